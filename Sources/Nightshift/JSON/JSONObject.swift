import Foundation

/// A JSON object that keeps its keys in insertion order: run details and params.
///
/// ```swift
/// var details = JSONObject()
/// details["processedKeys"] = 2
/// details["upserts"] = 5
/// details.summary  // "processedKeys=2, upserts=5"
/// ```
public struct JSONObject: Equatable, Sendable, Codable, ExpressibleByDictionaryLiteral {
    /// The entries in insertion order.
    public private(set) var entries: [(key: String, value: JSONValue)] = []

    /// An empty object.
    public init() {}

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { self[key] = value }
    }

    /// An object of `entries` in their order; a key given twice keeps its first place and its
    /// last value, as assigning them one by one would, in time linear in their number.
    init(keepingLastOf entries: [(key: String, value: JSONValue)]) {
        var positions: [String: Int] = [:]
        positions.reserveCapacity(entries.count)
        for entry in entries {
            if let position = positions[entry.key] {
                self.entries[position].value = entry.value
            } else {
                positions[entry.key] = self.entries.count
                self.entries.append(entry)
            }
        }
    }

    /// Reads or replaces the value for `key`; assigning nil removes it. A new key goes last.
    public subscript(key: String) -> JSONValue? {
        get { entries.first(where: { $0.key == key })?.value }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    /// Whether there are no entries.
    public var isEmpty: Bool { entries.isEmpty }

    /// `key=value, key=value`, the form of the `[job] Completed.` line.
    package var summary: String {
        entries.map { "\($0.key)=\($0.value.plainText)" }.joined(separator: ", ")
    }

    /// The compact JSON text of the object.
    package var jsonText: String { entries.isEmpty ? "{}" : JSONValue.object(self).jsonText }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public init(from decoder: any Decoder) throws {
        guard case .object(let object) = try JSONValue(from: decoder) else {
            throw DecodingError.typeMismatch(
                JSONObject.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a JSON object"))
        }
        self = object
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        for (key, value) in entries {
            try container.encode(value, forKey: AnyCodingKey(stringValue: key))
        }
    }
}

extension JSONObject {
    /// `value` encoded with `JSONEncoder`; throws ``JSONObjectEncodingError`` unless it encodes
    /// to a JSON object.
    public init(encoding value: some Encodable) throws {
        let text = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        guard case .object(let object) = try JSONValue(parsing: text) else {
            throw JSONObjectEncodingError(type: String(describing: type(of: value)))
        }
        self = object
    }

    /// Decodes the object as `T` with `JSONDecoder`.
    public func decode<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(jsonText.utf8))
    }
}

/// Params that do not encode to a JSON object (a number, a string, an array).
public struct JSONObjectEncodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The type that was encoded.
    public let type: String
    public var description: String { "params of type \(type) must encode to a JSON object (a struct or a dictionary)" }
}
