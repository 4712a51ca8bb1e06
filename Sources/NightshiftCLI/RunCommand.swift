import ArgumentParser
import Foundation
import Logging
import Nightshift

/// `nightshift run JOB`: runs one job once in the foreground and exits with its status.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one job now, in the foreground; exit 0 on success, 1 on failure.")

    @OptionGroup var options: CommonOptions

    @Argument(help: "The job's name.")
    var job: String

    @Option(help: "Run for this day (YYYY-MM-DD).")
    var date: String?

    @Option(help: "First day of a range (YYYY-MM-DD); each day is its own run.")
    var from: String?

    @Option(help: "Last day of a range (YYYY-MM-DD).")
    var to: String?

    @Flag(name: .customLong("dry-run"), help: "Report what would change; change nothing.")
    var dryRun = false

    @Option(name: .customLong("param"), help: "A parameter for the job, key=value; repeatable.")
    var params: [String] = []

    func validate() throws {
        if date != nil, from != nil || to != nil { throw ValidationError("use --date or --from/--to, not both") }
        if (from == nil) != (to == nil) { throw ValidationError("--from and --to go together") }
        for param in params where !param.contains("=") {
            throw ValidationError("--param '\(param)' must be key=value")
        }
        if let problem = ParamName.problem(in: paramObject) { throw ValidationError("--param: \(problem)") }
    }

    /// The `--param key=value` pairs as an object; a later key wins.
    private var paramObject: JSONObject {
        var object = JSONObject()
        for param in params {
            let parts = param.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            object[parts[0]] = .string(parts.count > 1 ? parts[1] : "")
        }
        return object
    }

    func run() async throws {
        // The run's outcome is printed as its `[job]` line; the engine's own log of it would repeat it.
        let logger = try options.logger(defaultLevel: .critical)
        let app = try options.loadApp(logger: logger)
        let job = try app.job(named: job)
        let timeZone = job.timeZone
        let newRuns = try ManualRun(date: date, from: from, to: to, params: paramObject, dryRun: dryRun)
            .newRuns(of: job, trigger: .manual, by: "cli")
        let output = RunOutput(job: job.name, json: options.json, days: newRuns.count, timeZone: timeZone)
        if dryRun { output.line("Dry run enabled. Database changes will be skipped.") }
        let runs = try await app.withStore(logger: logger) { store in
            try await store.register(app.jobs.map(JobRegistration.init))
            let reporting = Logger(label: "nightshift") { _ in ReportLogHandler(output: output, inner: logger.handler) }
            let runner = ForegroundRunner(store: store, configuration: app.engineConfiguration(), logger: reporting)
            var finished: [Run] = []
            for (index, request) in newRuns.enumerated() {
                let run = try await runner.run(job, as: request) { percent in output.progress(day: index, percent: percent) }
                output.finished(run, day: index)
                finished.append(run)
                if run.status != .succeeded { break }
            }
            return finished
        }
        output.summary(runs)
        if runs.contains(where: { $0.status != .succeeded }) { throw ExitCode.failure }
    }
}
