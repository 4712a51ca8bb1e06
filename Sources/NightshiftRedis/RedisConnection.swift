import NIOCore
import NIOPosix
import NIOSSL

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
        let address = "\(url.host):\(url.port)"
        let tls = try url.tls ? Self.tlsContext(url) : nil
        // An IP address cannot be a TLS server name; its certificate's chain is checked alone.
        let serverName = (try? SocketAddress(ipAddress: url.host, port: 0)) == nil ? url.host : nil
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(5))
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(
                                try NIOSSLClientHandler(context: tls, serverHostname: serverName))
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
                        try channel.pipeline.syncOperations.addHandler(RedisCommandHandler())
                    }
                }
                .connect(host: url.host, port: url.port).get()
        } catch {
            throw RedisError.connectionFailed(address, reason: "\(error)")
        }
        let connection = RedisConnection(channel: channel, commandTimeout: commandTimeout)
        do {
            // The first command also tells whether the server takes the connection at all.
            if let password = url.password {
                _ = try await connection.send(url.user.map { ["AUTH", $0, password] } ?? ["AUTH", password])
            } else {
                _ = try await connection.send(["PING"])
            }
            if url.database != 0 { _ = try await connection.send(["SELECT", String(url.database)]) }
        } catch RedisError.connectionClosed {
            await connection.close()
            // A server that refuses the client's certificate, or wants one, closes the TLS
            // connection after the handshake; a certificate of the server's that does not verify
            // fails the handshake itself, with its own error.
            let reason: String
            if !url.tls {
                reason = "the server closed the connection at once; a server that takes only TLS does that: use rediss://"
            } else if url.clientCertificate == nil {
                reason =
                    "the server closed the TLS connection at once; a server that requires client certificates does that: give cert= and key= in the URL"
            } else {
                reason =
                    "the server closed the TLS connection at once: it does not accept the client certificate in cert= (is it signed by a CA the server trusts?)"
            }
            throw RedisError.connectionFailed(address, reason: reason)
        } catch {
            await connection.close()
            throw Self.named(error, url: url, address: address)
        }
        return connection
    }

    /// The TLS settings of `url`: the server's certificate checked against `ca` (else the
    /// system's CAs), a client certificate when given.
    private static func tlsContext(_ url: RedisURL) throws(RedisError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = url.caFile { configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) }
            if let certificate = url.clientCertificate, let key = url.clientKey {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw .connectionFailed(
                "\(url.host):\(url.port)", reason: "cannot read the TLS files of the URL (ca, cert, key): \(error)")
        }
    }

    /// `error` of a TLS connection named as a certificate problem where it is one.
    private static func named(_ error: any Error, url: RedisURL, address: String) -> any Error {
        let text = String(reflecting: error).lowercased()
        guard url.tls, text.contains("certificate") || text.contains("handshake") || text.contains("ssl") else { return error }
        return RedisError.connectionFailed(address, reason: "TLS: the server's certificate did not verify: \(error)")
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
