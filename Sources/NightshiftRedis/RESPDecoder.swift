import NIOCore

/// Reads RESP2 values off the wire, waiting for more bytes when a value is incomplete.
struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        var probe = buffer
        guard let value = try Self.parse(&probe) else { return .needMoreData }
        buffer.moveReaderIndex(to: probe.readerIndex)
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    /// One value from the front of `buffer`, or nil (with `buffer` in an unspecified position)
    /// when the bytes are not all there yet.
    static func parse(_ buffer: inout ByteBuffer) throws -> RESPValue? {
        guard let marker = buffer.readInteger(as: UInt8.self), let line = readLine(&buffer) else { return nil }
        switch marker {
        case UInt8(ascii: "+"): return .simpleString(line)
        case UInt8(ascii: "-"): return .error(line)
        case UInt8(ascii: ":"):
            guard let number = Int64(line) else { throw RedisError.protocolViolation("bad integer '\(line)'") }
            return .integer(number)
        case UInt8(ascii: "$"):
            guard let length = Int(line), length >= -1 else { throw RedisError.protocolViolation("bad length '\(line)'") }
            if length == -1 { return .null }
            guard buffer.readableBytes >= length + 2, let bytes = buffer.readSlice(length: length) else { return nil }
            buffer.moveReaderIndex(forwardBy: 2)
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            guard let count = Int(line), count >= -1 else { throw RedisError.protocolViolation("bad count '\(line)'") }
            if count == -1 { return .null }
            var items: [RESPValue] = []
            items.reserveCapacity(count)
            for _ in 0..<count {
                guard let item = try parse(&buffer) else { return nil }
                items.append(item)
            }
            return .array(items)
        default:
            throw RedisError.protocolViolation("unexpected type byte \(marker)")
        }
    }

    private static func readLine(_ buffer: inout ByteBuffer) -> String? {
        let view = buffer.readableBytesView
        guard let end = view.firstIndex(of: UInt8(ascii: "\r")), end + 1 < view.endIndex else { return nil }
        let line = buffer.readString(length: end - view.startIndex)
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }
}
