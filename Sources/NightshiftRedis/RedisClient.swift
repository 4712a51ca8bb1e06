import NIOCore
import NIOPosix

/// A pool of connections to one Redis server, the way apps and jobs talk to Redis.
///
/// Connections are opened on demand up to `maximumConnections` and reused. One that the server
/// closed (a restart) is dropped when it is next taken, and a fresh one is opened, so the client
/// reconnects without being told to.
public actor RedisClient {
    /// Where it connects.
    public nonisolated let url: RedisURL
    private let maximumConnections: Int
    private let commandTimeout: Duration
    private let group: any EventLoopGroup
    private var idle: [RedisConnection] = []
    private var openCount = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// A client for `url` with at most `maximumConnections` open at once, whose commands fail
    /// when their answer does not come within the URL's `timeout`, else `commandTimeout`.
    public init(
        url: RedisURL, maximumConnections: Int = 8, commandTimeout: Duration = RedisConnection.defaultCommandTimeout,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.url = url
        self.maximumConnections = max(1, maximumConnections)
        self.commandTimeout = url.commandTimeout ?? commandTimeout
        self.group = group
    }

    /// Sends one command on a pooled connection.
    public func send(_ command: [String]) async throws -> RESPValue {
        try await withConnection { try await $0.send(command) }
    }

    /// Sends many commands in one write on one pooled connection; answers in order.
    public func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        try await withConnection { try await $0.pipeline(commands) }
    }

    /// Runs `body` with a connection of the pool that nobody else uses meanwhile (for `MULTI`,
    /// or for a run of commands that must share a connection).
    public func withConnection<R: Sendable>(_ body: (RedisConnection) async throws -> R) async throws -> R {
        let connection = try await checkOut()
        do {
            let result = try await body(connection)
            checkIn(connection)
            return result
        } catch {
            checkIn(connection)
            throw error
        }
    }

    /// The keys matching `pattern`, walked with `SCAN` (never `KEYS`, which blocks the server),
    /// in batches of about `count`.
    public nonisolated func scan(match pattern: String, count: Int = 1000) -> RedisScanSequence {
        RedisScanSequence(client: self, pattern: pattern, count: count)
    }

    /// Closes every connection; later calls open new ones.
    public func close() async {
        let connections = idle
        idle = []
        openCount -= connections.count
        for connection in connections { await connection.close() }
    }

    private func checkOut() async throws -> RedisConnection {
        while true {
            while let connection = idle.popLast() {
                if connection.isActive { return connection }
                openCount -= 1
            }
            if openCount < maximumConnections {
                openCount += 1
                do {
                    return try await RedisConnection.connect(to: url, commandTimeout: commandTimeout, group: group)
                } catch {
                    openCount -= 1
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    private func checkIn(_ connection: RedisConnection) {
        if connection.isActive {
            idle.append(connection)
        } else {
            openCount -= 1
        }
        wakeOne()
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}
