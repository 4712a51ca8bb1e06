import NightshiftDatabase
import Foundation
import NightshiftSQL

/// What PostgreSQL itself does with the engine's claim and completion statements: pgbench
/// runs them in a loop (claim `batch` runs, complete them as successes) from `clients`
/// connections, with no Swift, executor or engine in between.
struct PgbenchCeiling {
    let store: SQLJobStore
    let url: DatabaseURL

    /// The pgbench on this machine: on the PATH, or in a PostgreSQL installation's bin folder.
    static func executable() -> String? {
        let fileManager = FileManager.default
        var candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/pgbench" }
        if let versions = try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql") {
            candidates += versions.sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin/pgbench" }
        }
        return candidates.first { fileManager.isExecutableFile(atPath: $0) }
    }

    /// Runs the loop until `jobs` queued runs of `job` are done; throws when pgbench fails.
    func run(pgbench: String, job: String, jobs: Int, batch: Int, clients: Int) async throws {
        guard case .postgres(let host, let port, let user, let password, let database, _) = url else {
            throw BenchError("pgbench measures PostgreSQL only")
        }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("nightshift-ceiling-\(UUID().uuidString).sql")
        try PostgresQueueStatements.pgbenchScript.write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pgbench)
        // Extended protocol, like PostgresNIO: every statement is parsed and planned each time.
        process.arguments = [
            "--no-vacuum", "--protocol=extended", "--client=\(clients)", "--jobs=\(clients)",
            "--transactions=\(jobs / batch / clients + 2)", "--file=\(script.path)",
            "--define=worker=pgbench", "--define=jobs={\(job)}", "--define=batch=\(batch)",
            "--host=\(host)", "--port=\(port)", "--username=\(user)", database ?? user,
        ]
        var environment = ProcessInfo.processInfo.environment
        if let password { environment["PGPASSWORD"] = password }
        process.environment = environment
        // A file, not a pipe: pgbench reports every failed transaction, which could fill a pipe.
        let logFile = script.appendingPathExtension("log")
        guard FileManager.default.createFile(atPath: logFile.path, contents: nil) else {
            throw BenchError("cannot create pgbench's log file \(logFile.path)")
        }
        defer { try? FileManager.default.removeItem(at: logFile) }
        let output = try FileHandle(forWritingTo: logFile)
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // waitUntilExit can hang off the main thread on Linux; poll instead.
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw BenchError("pgbench failed (exit \(process.terminationStatus)): \(log.suffix(600))")
        }
    }
}

/// A benchmark that could not run, with the reason.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
