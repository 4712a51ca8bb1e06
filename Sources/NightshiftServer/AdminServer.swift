import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The admin API as a Hummingbird application: a `Service` to run in the same `ServiceGroup`
/// as the engine, so that SIGTERM stops both together.
public enum AdminServer {
    /// An application serving `api` on `host:port`, with idle connections closed after
    /// `idleTimeout` seconds. `onServerRunning` gets the bound port (useful with port 0).
    public static func application(
        api: AdminAPI, host: String, port: Int, idleTimeout: Double = 30, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol & Service {
        let router = Router()
        api.addRoutes(to: router)
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(idleTimeout * 1000)))),
            configuration: .init(address: .hostname(host, port: port), serverName: "nightshift"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
