import Nightshift

/// A JSON pointer (RFC 6901): `/data/state` names the `state` field of the top-level `data`
/// object, `/items/0` the first element of `items`; `~1` stands for `/` and `~0` for `~`
/// inside a name. The empty pointer names the whole document.
public struct JSONPointer: Sendable, Equatable, CustomStringConvertible {
    /// The names and indexes, unescaped, from the top down.
    public let tokens: [String]
    /// The pointer as written.
    public let description: String

    /// The pointer `text`; throws ``Invalid`` when it is neither empty nor starts with `/`, or
    /// holds a `~` not followed by `0` or `1`.
    public init(_ text: String) throws(Invalid) {
        description = text
        guard !text.isEmpty else {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else { throw Invalid(text: text, reason: "it must start with '/', as in /data/state") }
        var tokens: [String] = []
        for part in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var escaped = false
            for character in part {
                if escaped {
                    guard character == "0" || character == "1" else {
                        throw Invalid(text: text, reason: "'~' must be followed by 0 (for ~) or 1 (for /)")
                    }
                    token.append(character == "0" ? "~" : "/")
                    escaped = false
                } else if character == "~" {
                    escaped = true
                } else {
                    token.append(character)
                }
            }
            guard !escaped else { throw Invalid(text: text, reason: "'~' must be followed by 0 (for ~) or 1 (for /)") }
            tokens.append(token)
        }
        self.tokens = tokens
    }

    /// The value this pointer names in `document`; nil when there is none.
    public func value(in document: JSONValue) -> JSONValue? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let elements):
                // An index is digits without a leading zero (RFC 6901, section 4).
                guard token.allSatisfy(\.isASCIIDigit), token == "0" || !token.hasPrefix("0"), let index = Int(token),
                    elements.indices.contains(index)
                else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// A pointer that is not one.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        /// The text given.
        public let text: String
        /// What is wrong with it.
        public let reason: String
        public var description: String { "'\(text)' is not a JSON pointer: \(reason)" }
    }
}

extension Character {
    /// Whether this is one of `0`…`9`.
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
