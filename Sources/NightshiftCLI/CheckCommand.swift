import ArgumentParser
import Foundation
import Logging
import Nightshift
import NightshiftDatabase

/// `nightshift check`: validates the config and prints each job's next fires.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Validate the config and print each job's next fires.")

    @OptionGroup var options: CommonOptions

    @Option(help: "Start from this instant (ISO 8601), not now.")
    var from: String?

    @Option(help: "How many fires to print per job.")
    var count = 5

    @Flag(help: "Also connect to the store and to every databases: and redis: entry; exit 1 when one does not answer.")
    var connect = false

    @Flag(
        help:
            "Check without the environment the config reads (CI without production secrets): values that read an unset variable are listed, not checked; everything else is."
    )
    var withoutEnv = false

    func validate() throws {
        if connect, withoutEnv { throw ValidationError("--connect needs the environment; give --connect or --without-env") }
    }

    func run() async throws {
        let app = try options.loadApp(logger: try options.logger(), checkingTokens: true, withoutEnvironment: withoutEnv)
        var start = Date()
        if let from {
            guard let parsed = ISO8601Format.date(from: from) else {
                throw ValidationError("--from '\(from)' is not an ISO 8601 instant such as 2026-03-08T00:00:00Z")
            }
            start = parsed
        }
        let report = CheckReport(jobs: app.jobs, after: start, count: max(0, count))
        if options.json { return try printJSON(report) }
        print("\(options.configPath): ok, \(app.jobs.count) job\(app.jobs.count == 1 ? "" : "s")")
        let unset = app.configuration.unsetVariables
        if !unset.isEmpty {
            print("not checked: the values that read \(unset.joined(separator: ", ")) (unset here; serve needs them)")
        }
        for job in report.jobs {
            print("- \(job.name): \(job.schedule.map { "\($0) (\(job.timezone))" } ?? "no schedule, runs on demand")")
            for fire in job.next { print("    \(options.times.text(fire, zone: job.timezone))") }
        }
        if connect { try await checkConnections(app) }
    }

    /// Reaches the store and every dependency, one line each; exit 1 when any does not answer.
    private func checkConnections(_ app: LoadedApp) async throws {
        var checks = app.dependencyChecks()
        let store = app.configuration.store
        checks["store"] = {
            let pool = try await SQLConnectionPool.open(try DatabaseURL(store), logger: Logger(label: "nightshift-check"))
            do {
                try await pool.checkConnection()
                await pool.close()
            } catch {
                await pool.close()
                throw error
            }
        }
        var failed = false
        // An SQLite file that does not exist yet is not opened (that would create it): its
        // folder must be there and writable, and the file is reported as to be created.
        var urls = ["store": store]
        for (name, url) in app.configuration.databases { urls["database \(name)"] = url }
        for (name, url) in urls.sorted(by: { $0.key < $1.key }) {
            guard case .sqlite(let path) = try DatabaseURL(url), path != ":memory:", !FileManager.default.fileExists(atPath: path)
            else { continue }
            checks[name] = nil
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            if access(folder, W_OK) == 0 {
                print("\(name): ok; \(path) does not exist yet (serve or migrate creates it)")
            } else {
                failed = true
                print("\(name): \(path) cannot be created: its folder \(folder) is missing or not writable")
            }
        }
        for name in checks.keys.sorted() {
            do {
                try await checks[name]?()
                print("\(name): ok")
            } catch {
                failed = true
                print("\(name): \(error)")
            }
        }
        await app.registry.closeAll()
        if failed { throw ExitCode.failure }
    }
}
