import Foundation

/// A Redis key layout with named fields, such as `usage:{tenant}:{date}:{metric}`: it builds keys
/// for counting, turns them back into field values for flushing, and gives the `SCAN` pattern
/// for a set of known values.
public struct CounterKeyPattern: Sendable, Equatable, CustomStringConvertible {
    enum Piece: Sendable, Equatable {
        case literal(String)
        case field(String)
    }

    let pieces: [Piece]
    /// The field names in key order.
    public let fields: [String]
    /// The text as written.
    public let description: String

    /// The field holding a `YYYY-MM-DD` day, which makes counters dated.
    public static let dateField = "date"

    /// Reads `text`; throws ``CounterKeyPatternError`` when a field is unnamed, repeated, or
    /// directly follows another (the key could not be split back into values).
    public init(_ text: String) throws(CounterKeyPatternError) {
        var pieces: [Piece] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            if let open = rest.firstIndex(of: "{") {
                if open > rest.startIndex { pieces.append(.literal(String(rest[..<open]))) }
                guard let close = rest[open...].firstIndex(of: "}") else {
                    throw CounterKeyPatternError(pattern: text, reason: "'{' without '}'")
                }
                let name = String(rest[rest.index(after: open)..<close])
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw CounterKeyPatternError(pattern: text, reason: "'{\(name)}' is not a field name")
                }
                if case .field = pieces.last {
                    throw CounterKeyPatternError(pattern: text, reason: "fields must be separated by text")
                }
                pieces.append(.field(name))
                rest = rest[rest.index(after: close)...]
            } else {
                pieces.append(.literal(String(rest)))
                rest = ""
            }
        }
        fields = pieces.compactMap { if case .field(let name) = $0 { return name } else { return nil } }
        guard !fields.isEmpty else { throw CounterKeyPatternError(pattern: text, reason: "names no field such as {tenant}") }
        guard Set(fields).count == fields.count else {
            throw CounterKeyPatternError(pattern: text, reason: "a field appears twice")
        }
        self.pieces = pieces
        description = text
    }

    /// Whether keys carry a `{date}` field.
    public var isDated: Bool { fields.contains(Self.dateField) }

    /// The key for `values`; nil when one of the fields has no value.
    public func key(_ values: [String: String]) -> String? {
        var key = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): key += text
            case .field(let name):
                guard let value = values[name] else { return nil }
                key += value
            }
        }
        return key
    }

    /// The `SCAN MATCH` pattern: known values filled in, other fields as `*`.
    public func glob(_ known: [String: String] = [:]) -> String {
        pieces.map { piece in
            switch piece {
            case .literal(let text): return Self.escapeGlob(text)
            case .field(let name): return known[name].map(Self.escapeGlob) ?? "*"
            }
        }.joined()
    }

    /// The field values of `key`, or nil when it does not have this layout (or its `{date}` is
    /// not a `YYYY-MM-DD` day). A field takes the text up to the next occurrence of the literal
    /// that follows it.
    public func match(_ key: String) -> [String: String]? {
        var values: [String: String] = [:]
        var rest = Substring(key)
        for (index, piece) in pieces.enumerated() {
            switch piece {
            case .literal(let text):
                guard rest.hasPrefix(text) else { return nil }
                rest = rest.dropFirst(text.count)
            case .field(let name):
                let value: Substring
                if index + 1 < pieces.count, case .literal(let next) = pieces[index + 1] {
                    guard let range = rest.range(of: next) else { return nil }
                    value = rest[..<range.lowerBound]
                } else {
                    value = rest
                }
                guard !value.isEmpty else { return nil }
                values[name] = String(value)
                rest = rest[value.endIndex...]
            }
        }
        guard rest.isEmpty else { return nil }
        if let day = values[Self.dateField], !Self.isDay(day) { return nil }
        return values
    }

    static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return false }
        return year >= 1970 && (1...12).contains(month) && (1...31).contains(day)
    }

    private static func escapeGlob(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

/// A counter key pattern that cannot be used.
public struct CounterKeyPatternError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    /// What is wrong.
    public let reason: String
    public var description: String { "key pattern '\(pattern)': \(reason)" }
}
