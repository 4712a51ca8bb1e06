import ArgumentParser
import Foundation
import Logging
import Nightshift
import NightshiftServer
import Prometheus
import ServiceLifecycle

/// `nightshift serve`: scheduler, workers and the admin API until SIGTERM or SIGINT, which drain.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the scheduler, the workers and the admin API until SIGTERM (which drains running jobs).")

    @OptionGroup var options: CommonOptions

    @Option(help: "Port of the admin API (default: the config's server.port, else 8080; 0 picks a free one).")
    var port: Int?

    @Option(help: "Runs executing at once (default: the config's engine.concurrency, else 10).")
    var concurrency: Int?

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
        if let concurrency, !(1...10_000).contains(concurrency) {
            throw ValidationError("--concurrency must be from 1 to 10000")
        }
    }

    /// Prints the one-time token and a first call with it: on standard output, whatever the
    /// log level, since it is the only way in; with JSON logs, as one more JSON line (a
    /// collector reading the output would choke on free text).
    private static func announce(_ token: APIToken, url: String, logger: Logger) {
        if (logger.handler as? JSONLogHandler) != nil {
            logger.notice(
                "no API tokens in the config: this run made an admin token for itself (loopback only)",
                metadata: [
                    "token": "\(token.bearer)", "try": "curl -H 'Authorization: Bearer \(token.bearer)' \(url)/api/jobs/status",
                ])
            return
        }
        let text = """
            [nightshift] No API tokens in the config, so this run made an admin token for itself (loopback only; a new one each start):
                \(token.bearer)
            Try: curl -H 'Authorization: Bearer \(token.bearer)' \(url)/api/jobs/status
            or open \(url)/ and sign in to the dashboard with it.
            Add server.tokens to the config for tokens that last (see the README's "Admin API").

            """
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    func run() async throws {
        let logger = try options.logger(defaultLevel: .info)
        let app = try options.loadApp(logger: logger)
        let server = app.configuration.server
        var tokens = try server.resolveTokens().map { token in
            APIToken(
                name: token.setting.name, role: token.setting.role, secret: token.secret, jobs: token.setting.jobs.map(Set.init),
                allowGet: token.setting.allowGet)
        }
        let oneTime = OneTimeToken.make(host: server.host, configuredTokens: tokens.count)
        if let oneTime { tokens.append(oneTime) }
        let listenPort = port ?? server.port
        try await AdminServer.checkCanListen(host: server.host, port: listenPort)
        let registry = PrometheusCollectorRegistry()
        var engineConfiguration = app.engineConfiguration()
        if let concurrency { engineConfiguration.concurrency = concurrency }
        engineConfiguration.metrics = EngineMetrics(factory: PrometheusMetricsFactory(registry: registry))
        try await app.withStore(logger: logger) { store in
            let engine = NightshiftEngine(store: store, jobs: app.jobs, configuration: engineConfiguration, logger: logger)
            let api = AdminAPI(
                store: store, jobs: app.jobs,
                configuration: .init(
                    tokens: tokens, waitTimeout: server.waitTimeout, metricsRequireToken: server.metricsRequireToken,
                    engine: ReportedEngine(engineConfiguration), dependencies: app.dependencyChecks()),
                registry: registry, logger: logger, onEnqueued: { engine.notifyEnqueued() })
            let dashboard =
                server.dashboard
                ? Dashboard(
                    store: store, jobs: app.jobs, tokens: tokens,
                    configuration: .init(
                        prefix: server.dashboardPath, sessionSecret: server.sessionSecret,
                        secureCookies: server.publicURL?.lowercased().hasPrefix("https://") == true,
                        engine: ReportedEngine(engineConfiguration)),
                    logger: logger, onEnqueued: { engine.notifyEnqueued() }) : nil
            let http = AdminServer.application(
                api: api, dashboard: dashboard, host: server.host, port: listenPort, logger: logger,
                onServerRunning: { port in
                    logger.info("[nightshift] admin API on http://\(server.host):\(port)")
                    if server.dashboard {
                        logger.info(
                            "[nightshift] dashboard on http://\(server.host):\(port)\(server.dashboardPath.isEmpty ? "/" : server.dashboardPath)"
                        )
                    }
                    if let oneTime { Self.announce(oneTime, url: "http://\(server.host):\(port)", logger: logger) }
                })
            logger.info(
                "[nightshift] scheduler \(engineConfiguration.schedulingEnabled ? "enabled" : "disabled (NIGHTSHIFT_ENABLED=false)")"
            )
            for job in app.jobs {
                logger.info("  - \(job.name): \(job.schedule.map { "\($0) (\($0.timeZone.ianaName))" } ?? "on demand")")
            }
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: engine), .init(service: http)], gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            do {
                try await group.run()
            } catch {
                // Another program may still take the port between the check and the bind.
                throw AdminServer.explained(error, host: server.host, port: listenPort)
            }
        }
    }
}
