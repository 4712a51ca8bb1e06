import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// The admin API as a Hummingbird application: a `Service` to run in the same `ServiceGroup`
/// as the engine, so that SIGTERM stops both together.
public enum AdminServer {
    /// An application serving `api`, and `dashboard` when given, on `host:port`. Idle connections close after `idleTimeout`
    /// seconds; a connection whose request is not read whole within `requestReadTimeout`
    /// seconds closes too (a client sending a byte at a time); at most `maxConnections` are
    /// open at once, later ones wait in the listen backlog, and one client address may hold at
    /// most `maxConnectionsPerAddress` of them (more are closed at once). `onServerRunning`
    /// gets the bound port (useful with port 0).
    public static func application(
        api: AdminAPI, dashboard: Dashboard? = nil, host: String, port: Int, idleTimeout: Double = 30,
        requestReadTimeout: Double = 20, maxConnections: Int = 512, maxConnectionsPerAddress: Int = 128, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol & Service {
        let router = Router(context: AdminRequestContext.self)
        // Before the routes: a route takes the middleware added before it.
        router.add(
            middleware: SignInThrottleMiddleware(throttle: SignInThrottle(), signInPath: dashboard.map { $0.path("/sign-in") }))
        // The dashboard at `/` takes the place of the home page.
        api.addRoutes(to: router, homePage: dashboard?.configuration.prefix.isEmpty != true)
        dashboard?.addRoutes(to: router)
        let readLimit = TimeAmount.milliseconds(Int64(requestReadTimeout * 1000))
        let connectionCounts = AddressConnectionCounts(limit: maxConnectionsPerAddress)
        return Application(
            router: router,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [
                        ConnectionsPerAddress(counts: connectionCounts), RequestReadDeadline(limit: readLimit), ClientDeparture(),
                    ],
                    idleTimeout: .milliseconds(Int64(idleTimeout * 1000)))),
            configuration: .init(
                address: .hostname(host, port: port), serverName: "nightshift",
                availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger)),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
