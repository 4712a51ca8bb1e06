import ArgumentParser
import Foundation
import Logging
import Nightshift

/// `nightshift status`: health per job; exit 1 if any job is FAILING, STUCK, DEAD or OVERDUE, or
/// when jobs are scheduled and no scheduler has led for two lease periods.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Health per job; exits 1 if any job is FAILING, STUCK, DEAD or OVERDUE, or no scheduler runs.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let logger = try options.logger()
        let report = try await StatusCommand.report(app: try options.loadApp(logger: logger), logger: logger)
        StatusCommand.print(report, json: options.json, times: options.times)
        if report.isAlarming { throw ExitCode.failure }
    }

    /// Each job's health and last run, from `app`'s store.
    static func report(app: LoadedApp, logger: Logger) async throws -> StatusReport {
        let engine = app.engineConfiguration()
        return try await app.withStore(logger: logger, migrating: false) { store in
            try await StatusReport.make(
                jobs: app.jobs, store: store, engine: ReportedEngine(engine))
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
        var table = TextTable(header: ["HEALTH", "JOB", "LAST RUN", "ENDED", "FAILURES IN A ROW", "ERROR"])
        for job in report.jobs {
            table.append([
                job.health.rawValue, job.name, job.lastRun?.status.rawValue ?? "never",
                times.text(job.lastRun?.endedAt, zone: job.timezone),
                "\(job.consecutiveErrors)", job.lastError ?? "",
            ])
        }
        Swift.print(table.render())
    }
}

/// `nightshift jobs`: the jobs as defined, with their schedule and next fire (`status` says how
/// they are doing).
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "List the jobs as defined: kind, schedule, next fire, queue, timeout, attempts.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let logger = try options.logger()
        let app = try options.loadApp(logger: logger)
        let report = try await StatusCommand.report(app: app, logger: logger)
        if options.json { return try printJSON(report) }
        let definitions = Dictionary(app.jobs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var table = TextTable(header: ["JOB", "KIND", "SCHEDULE", "NEXT", "QUEUE", "TIMEOUT", "ATTEMPTS", "STATE", "DESCRIPTION"])
        for job in report.jobs {
            let policies = definitions[job.name]?.policies
            let state = !job.enabled ? "disabled" : job.paused ? "paused" : "active"
            table.append([
                job.name, job.kind, job.schedule.map { "\($0) (\(job.timezone))" } ?? "on demand",
                times.text(job.nextRunAt, zone: job.timezone), policies?.queue ?? "",
                policies?.timeout.map { DurationText.format($0.inSeconds) } ?? "none",
                policies.map { "\($0.retry.maxAttempts)" } ?? "", state, job.description,
            ])
        }
        Swift.print(table.render())
    }

    private var times: LocalTime { options.times }
}
