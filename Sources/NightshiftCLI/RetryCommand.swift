import ArgumentParser
import Foundation
import Nightshift

/// `nightshift retry RUN`, or `nightshift retry --job J --status failed --since 24h`: queues a
/// new run of each (same params, window and dry-run flag; trigger `retry`), in chunks, and says
/// how many.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Retry a finished run, or every run matching --job/--status/--since (a new run each).")

    @OptionGroup var options: CommonOptions

    @Argument(help: "The run's id (or give --job, --status and --since instead).")
    var run: String?

    @Option(help: "Only runs of this job.")
    var job: String?

    @Option(
        help:
            "Only runs in this status: failed (which includes discarded: failures whose retries ran out), discarded or cancelled."
    )
    var status: String?

    @Option(help: "Only runs created within this long, such as 24h or 7d.")
    var since: String?

    func validate() throws {
        if run != nil, job != nil || status != nil || since != nil {
            throw ValidationError("give a run id, or --job/--status/--since, not both")
        }
        if run == nil, job == nil, status == nil, since == nil {
            throw ValidationError("give a run id, or --job/--status/--since to retry many (e.g. --status failed --since 24h)")
        }
    }

    func run() async throws {
        let logger = try options.logger()
        let app = try options.loadApp(logger: logger)
        let jobs = Dictionary(app.jobs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        if let run {
            let (id, created) = try await app.withStore(logger: logger, migrating: false) { store -> (UUID, Run) in
                let original = try await RunLookup.run(run, in: store)
                guard RunRetry.retryable.contains(original.status) else {
                    throw ValidationError(
                        "run \(run) is \(original.status.rawValue); only failed, discarded or cancelled runs are retried")
                }
                guard let job = jobs[original.job] else {
                    throw ValidationError("job '\(original.job)' is no longer in the configuration")
                }
                let new = try await store.enqueue([RunRetry.newRun(retrying: original, job: job, by: "cli")])
                guard let first = new.first else { throw ValidationError("the store queued nothing") }
                return (original.id, first)
            }
            logger.notice(
                "[\(created.job)] run \(id.lowercasedText) retried by cli",
                metadata: ["job": "\(created.job)", "run": "\(created.id.lowercasedText)", "by": "cli"])
            print("\(run.lowercased()): retried as \(created.id.lowercasedText)")
            return
        }
        var filter = RunRetry.Filter(job: job)
        if let status {
            guard let parsed = RunStatus(rawValue: status), RunRetry.retryable.contains(parsed) else {
                throw ValidationError("--status '\(status)' is not one of failed, discarded, cancelled")
            }
            filter.status = parsed
        }
        if let job, jobs[job] == nil { throw ValidationError("no job named '\(job)' in the config") }
        let window: Double?
        do {
            window = try since.map { try DurationText.seconds($0) }
        } catch {
            throw ValidationError("--since: \(error)")
        }
        let outcome = try await app.withStore(logger: logger, migrating: false) { store in
            var filter = filter
            if let window { filter.since = try await store.databaseNow().addingTimeInterval(-window) }
            return try await RunRetry.retryMatching(filter, store: store, jobs: jobs, by: "cli")
        }
        logger.notice(
            "bulk retry by cli: \(outcome.retried) of \(outcome.matched) runs",
            metadata: ["job": "\(job ?? "*")", "status": "\(filter.status.rawValue)", "by": "cli"])
        let found = RunStatus.allCases.filter(RunStatus.found(by: filter.status).contains).map(\.rawValue)
            .joined(separator: " or ")
        print("matched \(outcome.matched) \(found) run(s); retried \(outcome.retried)")
    }
}
