import NIOCore

/// One value of the Redis protocol (RESP2): what a server answers.
public enum RESPValue: Sendable, Equatable {
    /// `+OK`.
    case simpleString(String)
    /// `-ERR …`: the server refused the command; the text says why.
    case error(String)
    /// `:42`.
    case integer(Int64)
    /// `$5\r\nhello`: binary-safe bytes.
    case bulkString(ByteBuffer)
    /// `*2 …`: several values.
    case array([RESPValue])
    /// `$-1` or `*-1`: no value (a missing key).
    case null

    /// The value as text, for simple and bulk strings and integers; nil otherwise.
    public var string: String? {
        switch self {
        case .simpleString(let text): return text
        case .bulkString(let bytes): return String(buffer: bytes)
        case .integer(let number): return String(number)
        default: return nil
        }
    }

    /// The value as a whole number, for integers and for strings that hold one (`GET` of a
    /// counter answers a bulk string); nil otherwise.
    public var integer: Int64? {
        switch self {
        case .integer(let number): return number
        case .bulkString, .simpleString: return string.flatMap { Int64($0) }
        default: return nil
        }
    }

    /// The items of an array; nil for anything else.
    public var array: [RESPValue]? {
        if case .array(let items) = self { return items }
        return nil
    }
}
