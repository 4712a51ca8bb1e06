/// A table or column name from the config: checked to be a plain identifier (optionally
/// `schema.table`) and always double-quoted in SQL, so no name can inject SQL or change meaning
/// with case.
public struct SQLName: Sendable, Hashable, CustomStringConvertible {
    /// The name as written, such as `public.api_events`.
    public let text: String
    /// Its parts, unquoted.
    public let parts: [String]

    /// Checks `text`; `qualified` allows one `schema.` in front. Throws
    /// ``MaintenanceError/invalidName(_:)`` naming the text when it is not an identifier.
    public init(_ text: String, qualified: Bool = false) throws(MaintenanceError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 1 || (qualified && parts.count == 2), parts.allSatisfy(Self.isIdentifier) else {
            throw .invalidName(text)
        }
        self.text = text
        self.parts = parts
    }

    /// The last part: the table name without its schema.
    public var baseName: String { parts[parts.count - 1] }

    /// The name quoted for SQL: `"public"."api_events"`.
    public var quoted: String { parts.map { "\"\($0)\"" }.joined(separator: ".") }

    /// A new name: this one's schema with `suffix` appended to the table (for rollup targets).
    public func appending(_ suffix: String) -> SQLName {
        var copy = parts
        copy[copy.count - 1] += suffix
        return try! SQLName(copy.joined(separator: "."), qualified: true)
    }

    public var description: String { text }

    private static func isIdentifier(_ part: String) -> Bool {
        guard let first = part.unicodeScalars.first, part.utf8.count <= 63 else { return false }
        let letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
        guard letters.unicodeScalars.contains(first) else { return false }
        return part.unicodeScalars.allSatisfy { letters.unicodeScalars.contains($0) || ("0"..."9").contains($0) }
    }
}
