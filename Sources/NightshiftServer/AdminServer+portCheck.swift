import NIOCore
import NIOPosix

extension AdminServer {
    /// Throws an ``AdminServerError`` saying why when `host:port` cannot be listened on (most
    /// often another program holds the port); nothing for port 0, which picks a free one.
    ///
    /// `serve` asks before it starts the engine, so that a busy port is one sentence before
    /// anything runs, not an error from inside the HTTP server after "engine started".
    public static func checkCanListen(host: String, port: Int) async throws {
        guard port != 0 else { return }
        let channel: any Channel
        do {
            // As the server itself binds: a port left in TIME_WAIT by a previous instance is free.
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port).get()
        } catch let error as IOError {
            throw AdminServerError.binding(host: host, port: port, errno: error.errnoCode)
        } catch {
            throw AdminServerError.cannotListen(host: host, port: port, reason: "\(error)")
        }
        try await channel.close()
    }

    /// `error` as an ``AdminServerError`` when it is the server's failed bind; else itself.
    public static func explained(_ error: any Error, host: String, port: Int) -> any Error {
        guard let error = error as? IOError, error.description.hasPrefix("bind(") else { return error }
        return AdminServerError.binding(host: host, port: port, errno: error.errnoCode)
    }
}
