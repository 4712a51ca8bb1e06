import Foundation

extension JSONValue {
    /// The deepest nesting of arrays and objects ``init(parsing:)`` accepts. Params and details
    /// are shallow; the bound keeps a hostile body from exhausting the stack of the recursive
    /// parser.
    public static let maximumNestingDepth = 128
    /// The longest JSON text, in UTF-8 bytes, that ``init(parsing:)`` accepts.
    public static let maximumTextBytes = 16 << 20

    /// Parses JSON text (RFC 8259), keeping object keys in the order they appear.
    ///
    /// Throws ``JSONParseError`` with the byte offset of the first problem: text that is not
    /// JSON, an escape RFC 8259 does not have, a lone UTF-16 surrogate, a number too large for
    /// a `Double` (it would read back as infinity), nesting deeper than
    /// ``maximumNestingDepth`` or text longer than ``maximumTextBytes``. It never traps.
    public init(parsing text: String) throws(JSONParseError) {
        var parser = JSONTextParser(bytes: Array(text.utf8))
        self = try parser.parseDocument()
    }
}

/// JSON text that could not be parsed.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The byte offset where parsing stopped.
    public let offset: Int
    /// What was expected there.
    public let reason: String

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// A recursive-descent JSON parser over UTF-8 bytes, bounded in depth and size.
private struct JSONTextParser {
    let bytes: [UInt8]
    var index = 0
    var depth = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        guard bytes.count <= JSONValue.maximumTextBytes else {
            throw fail("the text is longer than \(JSONValue.maximumTextBytes) bytes")
        }
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw fail("trailing characters") }
        return value
    }

    private func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: index, reason: reason) }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ literal: StaticString) throws(JSONParseError) {
        let start = index
        for offset in 0..<literal.utf8CodeUnitCount {
            guard current == literal.utf8Start[offset] else {
                index = start
                throw fail("expected \(literal)")
            }
            index += 1
        }
    }

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard let byte = current else { throw fail("unexpected end") }
        switch byte {
        case UInt8(ascii: "{"): return .object(try nested { (parser) throws(JSONParseError) in try parser.parseObject() })
        case UInt8(ascii: "["): return .array(try nested { (parser) throws(JSONParseError) in try parser.parseArray() })
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("expected a value")
        }
    }

    /// Parses an array or object one level deeper, refusing to go past the bound.
    private mutating func nested<T>(_ parse: (inout JSONTextParser) throws(JSONParseError) -> T) throws(JSONParseError) -> T {
        guard depth < JSONValue.maximumNestingDepth else {
            throw fail("nested deeper than \(JSONValue.maximumNestingDepth) levels")
        }
        depth += 1
        defer { depth -= 1 }
        return try parse(&self)
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONObject {
        index += 1
        // Collected, then deduplicated once: assigning key by key is quadratic in the keys.
        var entries: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return JSONObject() }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let key = try parseString()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw fail("expected :") }
            index += 1
            entries.append((key, try parseValue()))
            skipWhitespace()
            switch current {
            case UInt8(ascii: "}"): index += 1; return JSONObject(keepingLastOf: entries)
            case UInt8(ascii: ","): try skipComma(before: UInt8(ascii: "}"))
            case nil: throw fail("unexpected end in object")
            default: throw fail("expected , or }")
            }
        }
    }

    /// Steps over a separating comma; a comma right before the closing `close` is an error of
    /// its own (some parsers, Foundation's among them, accept it; RFC 8259 does not).
    private mutating func skipComma(before close: UInt8) throws(JSONParseError) {
        index += 1
        skipWhitespace()
        if current == close { throw fail("a trailing comma before '\(Character(UnicodeScalar(close)))'; JSON allows none") }
    }

    private mutating func parseArray() throws(JSONParseError) -> [JSONValue] {
        index += 1
        var values: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return values }
        while true {
            values.append(try parseValue())
            skipWhitespace()
            switch current {
            case UInt8(ascii: "]"): index += 1; return values
            case UInt8(ascii: ","): try skipComma(before: UInt8(ascii: "]"))
            case nil: throw fail("unexpected end in array")
            default: throw fail("expected , or ]")
            }
        }
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var runStart = index
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                scalars.append(contentsOf: String(decoding: bytes[runStart..<index], as: UTF8.self).unicodeScalars)
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                scalars.append(contentsOf: String(decoding: bytes[runStart..<index], as: UTF8.self).unicodeScalars)
                index += 1
                scalars.append(try parseEscape())
                runStart = index
            case 0x00..<0x20:
                throw fail("control character in a string (escape it)")
            default:
                index += 1
            }
        }
        throw fail("unterminated string")
    }

    /// The character an escape stands for, `index` just past the backslash.
    private mutating func parseEscape() throws(JSONParseError) -> Unicode.Scalar {
        guard let escape = current else { throw fail("unexpected end in string") }
        index += 1
        switch escape {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "b"): return "\u{8}"
        case UInt8(ascii: "f"): return "\u{c}"
        case UInt8(ascii: "u"): return try parseUnicodeEscape()
        default:
            index -= 1
            throw fail("unknown escape \\\(Character(Unicode.Scalar(escape)))")
        }
    }

    /// `\uXXXX`, or a UTF-16 surrogate pair `\uD83D\uDE00`; a lone surrogate is an error.
    private mutating func parseUnicodeEscape() throws(JSONParseError) -> Unicode.Scalar {
        let high = try parseHex4()
        switch high {
        case 0xD800...0xDBFF:
            guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                throw fail("a high surrogate \\u\(String(high, radix: 16)) must be followed by a low one")
            }
            index += 2
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else {
                throw fail("a high surrogate must be followed by a low one (\\udc00-\\udfff)")
            }
            let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape") }
            return scalar
        case 0xDC00...0xDFFF:
            throw fail("a low surrogate \\u\(String(high, radix: 16)) without a high one")
        default:
            guard let scalar = Unicode.Scalar(high) else { throw fail("invalid \\u escape") }
            return scalar
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = Self.hexDigit(byte) else { throw fail("expected four hex digits after \\u") }
            code = code << 4 | digit
            index += 1
        }
        return code
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, finite as a `Double`.
    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else {
            guard skipDigits() > 0 else { throw fail("expected a digit") }
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() > 0 else { throw fail("expected a digit after the decimal point") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw fail("expected a digit in the exponent") }
        }
        guard let value = Double(String(decoding: bytes[start..<index], as: UTF8.self)), value.isFinite else {
            index = start
            throw fail("number out of range")
        }
        return value
    }

    private mutating func skipDigits() -> Int {
        let start = index
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
        return index - start
    }
}
