import NIOCore
import Synchronization

/// How many connections each client address holds open, shared by every connection's
/// ``ConnectionsPerAddress`` handler.
final class AddressConnectionCounts: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    /// The most connections one address may hold at once.
    let limit: Int

    /// Counts that allow each address `limit` connections at once.
    init(limit: Int) {
        self.limit = limit
    }

    /// Counts a connection from `address`; false (and not counted) when the address holds
    /// `limit` already.
    func open(_ address: String) -> Bool {
        counts.withLock { counts in
            guard counts[address, default: 0] < limit else { return false }
            counts[address, default: 0] += 1
            return true
        }
    }

    /// Forgets a connection ``open(_:)`` counted.
    func close(_ address: String) {
        counts.withLock { counts in
            let left = counts[address, default: 1] - 1
            counts[address] = left > 0 ? left : nil
        }
    }
}

/// Closes a connection at once when its client address already holds its share of
/// connections: 600 half-open connections from one client used to fill the server's 512 and
/// made `/healthz` wait 19 s for a free one.
final class ConnectionsPerAddress: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let counts: AddressConnectionCounts
    /// The address this connection was counted under, once counted.
    private var counted: String?

    init(counts: AddressConnectionCounts) {
        self.counts = counts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard counted == nil, let address = context.channel.remoteAddress?.ipAddress else { return }
        if counts.open(address) {
            counted = address
        } else {
            context.close(promise: nil)
        }
    }

    private func release() {
        guard let address = counted else { return }
        counted = nil
        counts.close(address)
    }
}
