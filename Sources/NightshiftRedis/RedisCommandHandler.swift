import NIOCore

/// Matches answers to commands in order, which is what makes pipelining work: a request may
/// carry many encoded commands and as many promises, and the server answers them in sequence.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    /// Requests whose answers are still coming, oldest first, and the answers of the oldest so far.
    private var waiting = CircularBuffer<RedisRequest>()
    private var collected: [RESPValue] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        waiting.append(request)
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let request = waiting.first else {
            // An answer nobody asked for: the stream is out of step, and no later answer can be trusted.
            context.fireErrorCaught(RedisError.protocolViolation("a reply without a command"))
            return
        }
        if collected.isEmpty { collected.reserveCapacity(request.count) }
        collected.append(unwrapInboundIn(data))
        // One promise per request, fulfilled when all its answers are in: a pipeline of a
        // thousand commands wakes its caller once, not a thousand times.
        if collected.count == request.count {
            waiting.removeFirst()
            let answers = collected
            collected = []
            request.replies.succeed(answers)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error as? RedisError ?? .connectionClosed)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionClosed)
        context.fireChannelInactive()
    }

    private func failAll(_ error: RedisError) {
        collected = []
        while let request = waiting.popFirst() { request.replies.fail(error) }
    }
}

/// Commands written in one go, how many there are, and the promise for their answers in order.
struct RedisRequest {
    let bytes: ByteBuffer
    let count: Int
    let replies: EventLoopPromise<[RESPValue]>
}
