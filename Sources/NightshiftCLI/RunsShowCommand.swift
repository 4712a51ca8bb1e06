import ArgumentParser
import Foundation
import Nightshift

/// `nightshift runs show RUN`: one run's story: its fields, params, window, details, and every
/// attempt with its worker, times, outcome, error and output.
struct RunsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "One run: params, window, details, and each attempt with its output.")

    @OptionGroup var options: CommonOptions

    @Argument(help: "The run's id (from `nightshift runs`, the dashboard or the API), or its first 8 or more characters.")
    var run: String

    func run() async throws {
        let logger = try options.logger()
        let app = try options.loadApp(logger: logger)
        let report = try await app.withStore(logger: logger, migrating: false) { store -> RunReport? in
            do {
                let found = try await RunLookup.run(run, in: store)
                return RunReport(found, attempts: try await store.attempts(of: found.id))
            } catch let failure as RunLookup.Failure {
                if case .notFound = failure { return nil }
                throw ValidationError(failure.description)
            }
        }
        guard let report else {
            FileHandle.standardError.write(Data("no run with id \(run)\n".utf8))
            throw ExitCode.failure
        }
        if options.json { return try printJSON(report) }
        let zone = app.jobs.first { $0.name == report.name }?.timeZone.ianaName ?? "UTC"
        print(Self.render(report, times: options.times, zone: zone))
    }

    /// The report as text, times in `zone` (the job's) or UTC: fields first, then each attempt,
    /// its output indented.
    static func render(_ report: RunReport, times: LocalTime, zone: String) -> String {
        func time(_ iso: String?) -> String { times.text(iso, zone: zone) }
        var lines = [
            "run       \(report.id)",
            "job       \(report.name)",
            "status    \(report.status.rawValue)\(report.dryRun ? " (dry run)" : "")",
            "trigger   \(report.trigger.rawValue)\(report.triggeredBy.map { " by \($0)" } ?? "")",
            "queue     \(report.queue)",
        ]
        if let scheduled = report.scheduledFor { lines.append("fire      \(time(scheduled))") }
        if let window = report.window { lines.append("window    \(time(window.from)) .. \(time(window.to))") }
        if !report.params.isEmpty { lines.append("params    \(report.params.summary)") }
        lines.append("started   \(time(report.startedAt))")
        lines.append("ended     \(time(report.endedAt))")
        if !report.details.isEmpty { lines.append("details   \(report.details.summary)") }
        if let error = report.error { lines.append("error     \(error)") }
        for attempt in report.attempts ?? [] {
            lines.append("")
            lines.append(
                "attempt \(attempt.attempt): \(attempt.outcome)\(attempt.worker.map { " on \($0)" } ?? ""), \(time(attempt.startedAt)) .. \(time(attempt.endedAt))"
            )
            if let error = attempt.error { lines.append("  error: \(error)") }
            if let output = attempt.output {
                lines.append("  output:")
                lines += output.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }
            }
        }
        if report.status == .queued || report.status == .running {
            lines.append("")
            lines.append("attempt \(report.attempt): \(report.status.rawValue)")
        }
        return lines.joined(separator: "\n")
    }
}
