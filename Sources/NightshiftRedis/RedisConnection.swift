import NIOCore
import NIOPosix

/// One connection to a Redis server. Commands may be sent from several tasks at once; their
/// answers come back in order. Use ``RedisClient`` for a pool of them.
public final class RedisConnection: Sendable {
    /// How long a command waits for its answer unless told otherwise.
    public static let defaultCommandTimeout: Duration = .seconds(30)

    private let channel: any Channel
    private let commandTimeout: Duration

    private init(channel: any Channel, commandTimeout: Duration) {
        self.channel = channel
        self.commandTimeout = commandTimeout
    }

    /// Connects to `url`, logs in with `AUTH` when it has a password, and selects its database.
    /// A command whose answer does not come within `commandTimeout` fails with
    /// ``RedisError/timedOut(command:after:)`` and closes the connection (later answers could
    /// no longer be matched to their commands).
    public static func connect(
        to url: RedisURL, commandTimeout: Duration = defaultCommandTimeout,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RedisConnection {
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(5))
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
                        try channel.pipeline.syncOperations.addHandler(RedisCommandHandler())
                    }
                }
                .connect(host: url.host, port: url.port).get()
        } catch {
            throw RedisError.connectionFailed("\(url.host):\(url.port)", reason: "\(error)")
        }
        let connection = RedisConnection(channel: channel, commandTimeout: commandTimeout)
        do {
            if let password = url.password {
                _ = try await connection.send(url.user.map { ["AUTH", $0, password] } ?? ["AUTH", password])
            }
            if url.database != 0 { _ = try await connection.send(["SELECT", String(url.database)]) }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    /// Whether the connection is still open; a server restart closes it.
    public var isActive: Bool { channel.isActive }

    /// Sends one command and returns its answer; a server error is thrown as ``RedisError/server(_:)``.
    public func send(_ command: [String]) async throws -> RESPValue {
        let reply = try await pipeline([command])[0]
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }

    /// Sends many commands in one write and returns their answers in order. Server errors stay
    /// in the answers as ``RESPValue/error(_:)``, so that one bad key does not hide the rest.
    public func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        var bytes = channel.allocator.buffer(capacity: commands.count * 64)
        for command in commands { Self.encode(command, into: &bytes) }
        let replies = channel.eventLoop.makePromise(of: [RESPValue].self)
        // The handler fails every waiting command with the timeout and closes the connection;
        // failing the promise here could race with its answer arriving.
        let timeout = RedisError.timedOut(command: commands[0].first ?? "", after: commandTimeout)
        let pipeline = channel.pipeline
        let (seconds, attoseconds) = commandTimeout.components
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) {
            pipeline.fireErrorCaught(timeout)
        }
        replies.futureResult.whenComplete { _ in timer.cancel() }
        channel.writeAndFlush(RedisRequest(bytes: bytes, count: commands.count, replies: replies)).whenFailure { _ in
            replies.fail(RedisError.connectionClosed)
        }
        return try await replies.futureResult.get()
    }

    /// Closes the connection; answers still outstanding fail with ``RedisError/connectionClosed``.
    public func close() async {
        try? await channel.close()
    }

    /// RESP's request form: an array of bulk strings.
    static func encode(_ command: [String], into bytes: inout ByteBuffer) {
        bytes.writeString("*\(command.count)\r\n")
        for argument in command {
            bytes.writeString("$\(argument.utf8.count)\r\n")
            bytes.writeString(argument)
            bytes.writeString("\r\n")
        }
    }
}
