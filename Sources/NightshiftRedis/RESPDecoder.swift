import NIOCore

/// Reads RESP2 values off the wire, waiting for more bytes when a value is incomplete.
///
/// Nothing on the wire is trusted: a length, a count or a line past its bound, nesting deeper
/// than ``maximumDepth``, or a number that does not fit is a ``RedisError/protocolViolation(_:)``,
/// after which the connection is closed. A hostile or broken server used to crash the process
/// (an overflow, a 2.4 TB allocation, a stack overflow).
struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    /// Redis's own limit on a bulk string (`proto-max-bulk-len`).
    static let maximumBulkLength = 512 << 20
    /// More elements than any reply Nightshift asks for holds (a SCAN batch, a pipeline is
    /// many replies, not one).
    static let maximumArrayCount = 1 << 20
    /// Arrays inside arrays, deeper than any reply of the commands Nightshift sends.
    static let maximumDepth = 16
    /// The longest line of a simple string, an error or a length.
    static let maximumLineLength = 64 << 10
    /// The most bytes one reply may hold, all its elements together: each element within its
    /// own bound, a reply of many still took 822 MB.
    static let maximumReplyBytes = 256 << 20

    /// Arrays begun and not yet complete, outermost first: their elements read so far, and how
    /// many are still to come.
    private var openArrays: [(items: [RESPValue], remaining: Int)] = []
    /// The bytes of the reply being read, so far.
    private var replyBytes = 0
    private let replyBudget: Int

    /// A decoder that allows a reply `replyBudget` bytes (tests use a small one).
    init(replyBudget: Int = maximumReplyBytes) {
        self.replyBudget = replyBudget
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try next(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    /// The next complete value from the front of `buffer`, or nil when its bytes are not all
    /// there yet; throws ``RedisError/protocolViolation(_:)`` for bytes that are not RESP or are
    /// past a bound.
    ///
    /// Every element read is taken off `buffer`, also the elements of an array not complete yet,
    /// which are kept until it is: a long reply arriving in many reads is read once, not again
    /// from its start at every read.
    mutating func next(_ buffer: inout ByteBuffer) throws(RedisError) -> RESPValue? {
        while true {
            var probe = buffer
            guard let element = try Self.element(&probe) else { return nil }
            replyBytes += probe.readerIndex - buffer.readerIndex
            guard replyBytes <= replyBudget else {
                throw RedisError.protocolViolation("a reply larger than \(replyBudget) bytes")
            }
            buffer.moveReaderIndex(to: probe.readerIndex)
            switch element {
            case .arrayStart(let count) where count > 0:
                guard openArrays.count < Self.maximumDepth else {
                    throw RedisError.protocolViolation("arrays nested deeper than \(Self.maximumDepth)")
                }
                var items: [RESPValue] = []
                // Reserved as the items arrive, not as the count claims.
                items.reserveCapacity(min(count, 1_024))
                openArrays.append((items, count))
            case .arrayStart:
                if let complete = add(.array([])) { return complete }
            case .value(let value):
                if let complete = add(value) { return complete }
            }
        }
    }

    /// Adds `value` to the innermost open array, closing every array it completes; returns the
    /// value when it completes the outermost one (or is not in an array at all).
    private mutating func add(_ value: RESPValue) -> RESPValue? {
        var value = value
        while let last = openArrays.indices.last {
            openArrays[last].items.append(value)
            openArrays[last].remaining -= 1
            guard openArrays[last].remaining == 0 else { return nil }
            value = .array(openArrays.removeLast().items)
        }
        replyBytes = 0
        return value
    }

    /// One element at the front of `buffer`: a value, or the start of an array and its count.
    private enum Element {
        case value(RESPValue)
        case arrayStart(Int)
    }

    /// The element at the front of `buffer`, or nil (with `buffer` in an unspecified position)
    /// when its bytes are not all there yet.
    private static func element(_ buffer: inout ByteBuffer) throws(RedisError) -> Element? {
        guard let marker = buffer.readInteger(as: UInt8.self), let line = try readLine(&buffer) else { return nil }
        switch marker {
        case UInt8(ascii: "+"): return .value(.simpleString(line))
        case UInt8(ascii: "-"): return .value(.error(line))
        case UInt8(ascii: ":"):
            guard let number = Int64(line) else { throw RedisError.protocolViolation("bad integer '\(line.prefix(40))'") }
            return .value(.integer(number))
        case UInt8(ascii: "$"):
            let length = try bounded(line, "bulk string length", maximumBulkLength)
            if length == -1 { return .value(.null) }
            guard buffer.readableBytes >= length + 2, let bytes = buffer.readSlice(length: length) else { return nil }
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                throw RedisError.protocolViolation("a bulk string of \(length) bytes does not end with CRLF")
            }
            return .value(.bulkString(bytes))
        case UInt8(ascii: "*"):
            let count = try bounded(line, "array count", maximumArrayCount)
            return count == -1 ? .value(.null) : .arrayStart(count)
        default:
            throw RedisError.protocolViolation("unexpected type byte \(marker)")
        }
    }

    /// A length or count from the wire: -1 (null) to `maximum`.
    private static func bounded(_ line: String, _ what: String, _ maximum: Int) throws(RedisError) -> Int {
        guard let value = Int(line), value >= -1, value <= maximum else {
            throw RedisError.protocolViolation("bad \(what) '\(line.prefix(40))' (at most \(maximum))")
        }
        return value
    }

    private static func readLine(_ buffer: inout ByteBuffer) throws(RedisError) -> String? {
        let view = buffer.readableBytesView
        guard let end = view.firstIndex(of: UInt8(ascii: "\r")), end + 1 < view.endIndex else {
            guard view.count <= maximumLineLength else {
                throw RedisError.protocolViolation("a line longer than \(maximumLineLength) bytes")
            }
            return nil
        }
        guard end - view.startIndex <= maximumLineLength else {
            throw RedisError.protocolViolation("a line longer than \(maximumLineLength) bytes")
        }
        guard view[end + 1] == UInt8(ascii: "\n") else { throw RedisError.protocolViolation("a line ends without LF") }
        let line = buffer.readString(length: end - view.startIndex)
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }
}
