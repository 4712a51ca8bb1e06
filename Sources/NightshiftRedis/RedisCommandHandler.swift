import NIOCore

/// Matches answers to commands in order, which is what makes pipelining work: a request may
/// carry many encoded commands and as many promises, and the server answers them in sequence.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<EventLoopPromise<RESPValue>>()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        waiting.append(contentsOf: request.replies)
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let promise = waiting.popFirst() else {
            // An answer nobody asked for: the stream is out of step, and no later answer can be trusted.
            context.fireErrorCaught(RedisError.protocolViolation("a reply without a command"))
            return
        }
        promise.succeed(unwrapInboundIn(data))
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
        while let promise = waiting.popFirst() { promise.fail(error) }
    }
}

/// Commands written in one go, and the promises for their answers, in order.
struct RedisRequest {
    let bytes: ByteBuffer
    let replies: [EventLoopPromise<RESPValue>]
}
