import NIOCore

/// Tells when a client has left its connection: it closed its sending side (the server keeps
/// half-closed connections open to answer them) or the connection closed.
///
/// A trigger waiting for its run asks for ``departure(of:)`` and stops waiting when it
/// completes: nobody is left to give the result to.
final class ClientDeparture: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private var departed: EventLoopPromise<Void>?

    func handlerAdded(context: ChannelHandlerContext) {
        departed = context.eventLoop.makePromise()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        departed?.succeed()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { departed?.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        departed?.succeed()
        context.fireChannelInactive()
    }

    /// Completes when the client on `channel` leaves; never, where the channel has no
    /// ``ClientDeparture`` handler.
    static func departure(of channel: any Channel) -> EventLoopFuture<Void> {
        channel.pipeline.handler(type: ClientDeparture.self).flatMap { handler in
            handler.departed?.futureResult ?? channel.eventLoop.makeSucceededVoidFuture()
        }
    }
}
