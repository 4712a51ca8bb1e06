import ArgumentParser
import Foundation
import Nightshift

/// `nightshift runs [list]`: run history, newest first, one line per run.
struct RunsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Run history, newest first.")

    @OptionGroup var options: CommonOptions

    @Option(help: "Only runs of this job.")
    var job: String?

    @Option(
        help:
            "Only runs in this status (queued, running, succeeded, failed, cancelled, discarded, skipped); failed also lists discarded runs, whose retries ran out."
    )
    var status: String?

    @Option(help: "How many runs.")
    var limit = 20

    @Option(help: "Only runs older than this run id (the 'next' of the previous page).")
    var before: String?

    func run() async throws {
        var query = RunQuery(job: job, limit: max(1, min(limit, 1000)))
        if let status {
            guard let parsed = RunStatus(rawValue: status) else {
                throw ValidationError(
                    "--status '\(status)' is not one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.status = parsed
        }
        if let before {
            guard let id = UUID(uuidString: before) else { throw ValidationError("--before '\(before)' is not a run id") }
            query.before = id
        }
        let logger = try options.logger()
        let app = try options.loadApp(logger: logger)
        let runs = try await app.withStore(logger: logger, migrating: false) { try await $0.runs(query) }
        let report = RunListReport(runs: runs, limit: query.limit)
        if options.json { return try printJSON(report) }
        // Params get a column when a listed run has any: three backfill days or two tenants'
        // runs looked identical without their window and params.
        let withParams = report.runs.contains { !$0.params.isEmpty }
        var table = TextTable(
            header: ["ID", "JOB", "STATUS", "TRIGGER", "ATTEMPT", "STARTED", "ENDED", "WINDOW"] + (withParams ? ["PARAMS"] : [])
                + ["RESULT"])
        let zones = Dictionary(app.jobs.map { ($0.name, $0.timeZone.ianaName) }, uniquingKeysWith: { first, _ in first })
        let times = options.times
        for run in report.runs {
            let zone = zones[run.name] ?? "UTC"
            table.append(
                [
                    run.id, run.name, run.status.rawValue, run.trigger.rawValue, "\(run.attempt)",
                    times.text(run.startedAt, zone: zone), times.text(run.endedAt, zone: zone),
                    run.window.map { "\(times.text($0.from, zone: zone)) .. \(times.text($0.to, zone: zone))" } ?? "-",
                ] + (withParams ? [run.params.isEmpty ? "-" : run.params.summary] : []) + [
                    Self.cut(run.error ?? run.details.summary)
                ])
        }
        print(table.render())
    }

    /// `text` cut to 120 characters: the full result is in `runs show`.
    static func cut(_ text: String) -> String {
        text.count <= 120 ? text : text.prefix(119) + "…"
    }
}
