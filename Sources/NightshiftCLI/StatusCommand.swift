import ArgumentParser
import Foundation
import Nightshift

/// `nightshift status`: health per job; exit 1 if any job is FAILING, STUCK, DEAD or OVERDUE, or
/// when jobs are scheduled and no scheduler has led for two lease periods.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Health per job; exits 1 if any job is FAILING, STUCK, DEAD or OVERDUE, or no scheduler runs.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let report = try await StatusCommand.report(options: options)
        StatusCommand.print(report, json: options.json, times: options.times)
        if report.isAlarming { throw ExitCode.failure }
    }

    static func report(options: CommonOptions) async throws -> StatusReport {
        let logger = try options.logger()
        let app = try options.loadApp(logger: logger)
        let engine = app.engineConfiguration()
        return try await app.withStore(logger: logger, migrating: false) { store in
            try await StatusReport.make(
                jobs: app.jobs, store: store, schedulingEnabled: engine.schedulingEnabled,
                heartbeatTimeout: engine.leaseDuration)
        }
    }

    static func print(_ report: StatusReport, json: Bool, times: LocalTime) {
        if json {
            try? printJSON(report)
            return
        }
        var scheduler = report.running ? "running" : "not running"
        if report.noLeader {
            scheduler +=
                report.schedulerSeenAt.map { "; no scheduler since \(times.text($0, zone: "UTC")): scheduled fires are not run" }
                ?? "; no scheduler has run yet: scheduled fires are not run until `nightshift serve` starts"
        }
        Swift.print("scheduler: \(scheduler)\(report.enabled ? "" : " (scheduling disabled)")")
        var table = TextTable(header: ["HEALTH", "JOB", "SCHEDULE", "NEXT", "LAST RUN", "ERROR"])
        for job in report.jobs {
            let last = job.lastRun.map { "\($0.status) \(times.text($0.endedAt, zone: job.timezone))" } ?? "never"
            table.append([
                job.health.rawValue, job.name, job.schedule.map { "\($0) (\(job.timezone))" } ?? "on demand",
                times.text(job.nextRunAt, zone: job.timezone), last, job.lastError ?? "",
            ])
        }
        Swift.print(table.render())
    }
}

/// `nightshift jobs`: the jobs with schedule, next fire and health.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "jobs", abstract: "List jobs, schedules, next fire and health.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        StatusCommand.print(try await StatusCommand.report(options: options), json: options.json, times: options.times)
    }
}
