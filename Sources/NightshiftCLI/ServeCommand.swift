import ArgumentParser
import Foundation
import Logging
import Nightshift
import ServiceLifecycle

/// `nightshift serve`: scheduler and workers until SIGTERM or SIGINT, which drain.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the scheduler and workers until SIGTERM (which drains running jobs).")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let logger = options.logger(defaultLevel: .info)
        let app = try options.loadApp(logger: logger)
        try await app.withStore(logger: logger) { store in
            let engine = NightshiftEngine(
                store: store, jobs: app.jobs, configuration: app.engineConfiguration(), logger: logger)
            logger.info(
                "[nightshift] scheduler \(app.configuration.schedulingEnabled ? "enabled" : "disabled (NIGHTSHIFT_ENABLED=false)")"
            )
            for job in app.jobs {
                logger.info("  - \(job.name): \(job.schedule.map { "\($0) (\($0.timeZoneName))" } ?? "on demand")")
            }
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: engine)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}
