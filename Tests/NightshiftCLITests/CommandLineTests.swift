import Nightshift
import NightshiftDatabase
import Foundation
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import Synchronization
import Testing

/// Runs the real `nightshift` binary, as users and Kubernetes do.
final class Nightshift: Sendable {
    static let binary = program("nightshift")
    /// The benchmarks' program, built beside `nightshift`.
    static let benchBinary = program("nightshift-bench")
    /// The README's library example (`examples/swift-app`), built beside `nightshift`.
    static let appExample = program("swift-app-example")

    /// The built program `name`: beside the test bundle, else in `.build/debug`.
    private static func program(_ name: String) -> String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
            .path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/\(name)").path
    }

    let directory: URL
    /// What `start` started, killed by `cleanUp` whatever the test's outcome.
    private let started = Mutex<[TestProcess]>([])

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("nightshift-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Kills every program `start` started (and what they started), then removes the test's folder.
    func cleanUp() {
        for process in started.withLock({ $0 }) { process.kill() }
        try? FileManager.default.removeItem(at: directory)
    }

    func write(config: String) throws -> String {
        let path = directory.appendingPathComponent("nightshift.yml").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Starts `nightshift arguments…` (or `program`); output goes to a file in the test directory.
    func start(_ arguments: [String], environment: [String: String] = [:], program: String = Nightshift.binary) throws -> (
        TestProcess, URL
    ) {
        let log = directory.appendingPathComponent("out-\(UUID().uuidString).log")
        let process = try TestProcess(
            program, arguments, environment: environment, directory: directory.path, output: log.path)
        started.withLock { $0.append(process) }
        return (process, log)
    }

    /// Runs to the end (killed after `seconds`, far above what it takes); returns the exit
    /// status and everything printed.
    func run(
        _ arguments: [String], environment: [String: String] = [:], program: String = Nightshift.binary, seconds: Double = 120
    ) async throws -> (status: Int32, output: String) {
        let (process, log) = try start(arguments, environment: environment, program: program)
        let status = try await process.exitStatus(within: seconds)
        return (status, try String(contentsOf: log, encoding: .utf8))
    }
}

@Suite struct CommandLineTests {
    @Test("run prints Completed with details and exits 0; a failure prints Failed and exits 1")
    func runExitCodes() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let config = try cli.write(
            config: """
                jobs:
                  ok:
                    kind: command
                    command: [sh, -c, "echo done"]
                  broken:
                    kind: command
                    command: [sh, -c, "echo oops >&2; exit 4"]
                """)
        let ok = try await cli.run(["run", "ok", "--config", config])
        #expect(ok.status == 0)
        #expect(ok.output.contains("[ok] Completed. exitStatus=0, output=done"))
        let broken = try await cli.run(["run", "broken", "--config", config])
        #expect(broken.status == 1)
        #expect(broken.output.contains("[broken] Failed: exited with status 4: oops"))
        let runs = try await cli.run(["runs", "--json", "--config", config])
        #expect(
            runs.status == 0 && runs.output.contains("\"triggeredBy\" : \"cli\"")
                && runs.output.contains("\"status\" : \"failed\""))
        let status = try await cli.run(["status", "--config", config])
        #expect(status.status == 0 && status.output.contains("ERROR"))
    }

    @Test("a date range runs one run per day, each with its window, one line per day")
    func dateRange() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let config = try cli.write(
            config: """
                jobs:
                  daily:
                    kind: command
                    timezone: Europe/Berlin
                    command: [sh, -c, "echo $NIGHTSHIFT_WINDOW_FROM-$NIGHTSHIFT_PARAM_TENANT"]
                """)
        let result = try await cli.run([
            "run", "daily", "--from", "2026-03-28", "--to", "2026-03-30", "--param", "tenant=acme", "--config", config,
        ])
        #expect(result.status == 0)
        #expect(result.output.contains("[daily] 2026-03-28 Completed. exitStatus=0, output=2026-03-27T23:00:00Z-acme"))
        #expect(result.output.contains("[daily] 2026-03-29 Completed. exitStatus=0, output=2026-03-28T23:00:00Z-acme"))
        #expect(result.output.contains("[daily] 2026-03-30 Completed. exitStatus=0, output=2026-03-29T22:00:00Z-acme"))
        #expect(result.output.contains("[daily] 3 of 3 days completed."))
        let runs = try await cli.run(["runs", "--json", "--config", config])
        #expect(runs.output.components(separatedBy: "\"trigger\" : \"backfill\"").count == 4)
        #expect(runs.output.components(separatedBy: "\"createdAt\" : \"20").count == 4, "every run says when it was made")
        // `yesterday` and `today`, in the job's zone, as nightly scripts say it.
        var berlin = Calendar(identifier: .gregorian)
        berlin.timeZone = try #require(TimeZone(identifier: "Europe/Berlin"))
        let start = berlin.startOfDay(for: try #require(berlin.date(byAdding: .day, value: -1, to: Date())))
        let yesterday = try await cli.run(["run", "daily", "--date", "yesterday", "--config", config])
        #expect(
            yesterday.status == 0 && yesterday.output.contains("output=\(ISO8601Format.string(from: start))-"),
            "\(yesterday.output)")
        let check = try await cli.run(["check", "--json", "--config", config])
        #expect(check.output.contains("\"timezone\" : \"Europe/Berlin\""), "a job without a schedule keeps its zone")
        let bad = try await cli.run(["run", "daily", "--date", "2026-02-30", "--config", config])
        #expect(bad.status == 2 && bad.output.contains("'2026-02-30' is not a date; write YYYY-MM-DD"))
    }

    @Test("a command does not outlive a nightshift killed with SIGKILL: its reaper kills the command's group")
    func commandEndsWithKilledNightshift() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let pidFile = cli.directory.appendingPathComponent("pid").path
        let config = try cli.write(
            config: """
                jobs:
                  long:
                    kind: command
                    command: [sh, -c, 'echo $$ > \(pidFile); exec sleep 300']
                """)
        let (process, _) = try cli.start(["run", "long", "--config", config])
        var program: Int32?
        let deadline = ContinuousClock.now + .seconds(120)
        while program == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            program = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        let pid = try #require(program, "the command never started")
        kill(process.processIdentifier, SIGKILL)
        _ = try await process.exitStatus()
        let ended = try await ProcessState.ends(pid)
        #expect(ended, "the command \(pid) still runs after nightshift was killed")
        if !ended { kill(pid, SIGKILL) }
    }

    @Test("relative paths are read from the config's folder: status from elsewhere reads that store and creates none")
    func pathsFromConfigFolder() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let sub = cli.directory.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let config = sub.appendingPathComponent("nightshift.yml").path
        try "store: sqlite:./store.db\njobs:\n  hello:\n    kind: command\n    command: [sh, -c, \"pwd\"]\n    working_dir: .\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        // Run from the test's folder, one above the config's.
        let run = try await cli.run(["run", "hello", "--config", config])
        #expect(run.status == 0 && run.output.contains("output=\(sub.path)"), "\(run.output)")
        #expect(FileManager.default.fileExists(atPath: sub.appendingPathComponent("store.db").path))
        let status = try await cli.run(["status", "--config", "sub/nightshift.yml"])
        #expect(status.status == 0 && status.output.contains("hello") && status.output.contains("HEALTHY"), "\(status.output)")
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("store.db").path))

        // A config whose store does not exist yet: read commands say where they looked, and create nothing.
        let other = cli.directory.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try "store: sqlite:./store.db\njobs: {}\n".write(
            toFile: other.appendingPathComponent("nightshift.yml").path, atomically: true, encoding: .utf8)
        for command in ["status", "runs"] {
            let missing = try await cli.run([command, "--config", "other/nightshift.yml"])
            #expect(missing.status == 1 && missing.output.contains("no store at other/store.db"), "\(missing.output)")
        }
        #expect(!FileManager.default.fileExists(atPath: other.appendingPathComponent("store.db").path))
    }

    @Test(
        "without tokens, serve on loopback prints a token for the run that the API and the dashboard take; on another address it makes none"
    )
    func oneTimeToken() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        for host in ["127.0.0.1", "0.0.0.0"] {
            let config = try cli.write(config: "server: { host: \"\(host)\" }\njobs: {}\n")
            let (serve, log) = try cli.start(["serve", "--port", "0", "--config", config])
            func output() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
            let deadline = ContinuousClock.now + .seconds(120)
            while !output().contains("admin API on"), serve.isRunning, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(200))
            let text = output()
            let port = try #require(text.firstMatch(of: /admin API on http:\/\/[0-9.]+:(\d+)/)?.1, "\(text)")
            let token = text.firstMatch(of: /Bearer ([0-9a-f]{48})'/)?.1
            func call(_ path: String, bearer: Substring?) async throws -> String {
                let arguments =
                    ["-s", "-o", "/dev/null", "-w", "%{http_code} %{content_type}"]
                    + (bearer.map { ["-H", "Authorization: Bearer \($0)"] } ?? []) + ["http://127.0.0.1:\(port)\(path)"]
                return try await cli.run(arguments, program: "/usr/bin/curl").output
            }
            if host == "127.0.0.1" {
                let bearer = try #require(token, "no token printed: \(text)")
                #expect(try await call("/api/jobs/status", bearer: bearer).hasPrefix("200"))
                #expect(try await call("/api/jobs/status", bearer: nil).hasPrefix("401"))
                // The dashboard: sign in first.
                #expect(try await call("/", bearer: nil).hasPrefix("303"))
                #expect(try await call("/sign-in", bearer: nil) == "200 text/html; charset=utf-8")
                #expect(text.contains("sign in to the dashboard with it"))
            } else {
                #expect(token == nil, "a token on a non-loopback address: \(text)")
                #expect(!text.contains("No API tokens"))
            }
            kill(serve.processIdentifier, SIGTERM)
            _ = try await serve.exitStatus()
        }
    }

    @Test(
        "failing, timed-out and cancelled command jobs keep their output with each attempt: runs show and the API tell it"
    )
    func attemptsKeepOutput() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let marker = cli.directory.appendingPathComponent("started").path
        let config = try cli.write(
            config: """
                store: sqlite:./store.db
                jobs:
                  broken:
                    kind: command
                    retries: { max_attempts: 2, backoff: 1s }
                    command: [sh, -c, "echo step one; echo step two >&2; exit 3"]
                  slow:
                    kind: command
                    timeout: 1s
                    command: [sh, -c, "echo working on it; sleep 30"]
                  long:
                    kind: command
                    command: [sh, -c, "echo begun; touch \(marker); sleep 30"]
                """)
        func lastRun(_ job: String) async throws -> String {
            let listed = try await cli.run(["runs", "--job", job, "--json", "--config", config])
            let object = try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [String: Any]
            let runs = try #require(object?["runs"] as? [[String: Any]], "\(listed.output)")
            return try #require(runs.first?["id"] as? String)
        }
        #expect(try await cli.run(["run", "broken", "--config", config]).status == 1)
        let broken = try await cli.run(["runs", "show", try await lastRun("broken"), "--config", config])
        #expect(broken.status == 0, "\(broken.output)")
        #expect(
            broken.output.contains("attempt 1: retrying") && broken.output.contains("attempt 2: discarded"), "\(broken.output)")
        // Standard output and error come through pipes of their own: lines written to both at
        // once may arrive in either order.
        #expect(broken.output.contains("    step one\n") && broken.output.contains("    step two\n"), "\(broken.output)")

        #expect(try await cli.run(["run", "slow", "--config", config]).status == 1)
        let slow = try await cli.run(["runs", "show", try await lastRun("slow"), "--config", config])
        #expect(slow.output.contains("error: timed out after 1s") && slow.output.contains("    working on it"), "\(slow.output)")

        // Cancelled through the API of a serve (its one-time token: the config has none).
        let served = try await ServedAPI.start(cli, config: config)
        defer { kill(served.process.processIdentifier, SIGKILL) }
        // `curl -f`, as cron services and CI steps call a trigger, fails when the run fails (22: HTTP 500).
        let failing = try await cli.run(
            [
                "-sf", "-o", "/dev/null", "-X", "POST", "-H", "Authorization: Bearer \(served.token)",
                "http://127.0.0.1:\(served.port)/api/jobs/run/broken",
            ], program: "/usr/bin/curl")
        #expect(failing.status == 22, "\(failing.output)")
        func api(_ method: String, _ path: String) async throws -> [String: Any] { try await served.call(method, path) }
        let deadline = ContinuousClock.now + .seconds(120)
        let runID = try #require(try await api("POST", "/api/jobs/run/long?wait=false")["runId"] as? String)
        while !FileManager.default.fileExists(atPath: marker), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        _ = try await api("POST", "/api/jobs/runs/\(runID)/cancel")
        var run: [String: Any] = [:]
        while run["status"] as? String != "cancelled", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            run = try await api("GET", "/api/jobs/runs/\(runID)")
        }
        let attempts = run["attempts"] as? [[String: Any]]
        #expect(run["status"] as? String == "cancelled", "\(run)")
        #expect(
            attempts?.first?["outcome"] as? String == "cancelled" && attempts?.first?["output"] as? String == "begun", "\(run)")
        try await served.stop()
        // Who did what is logged at info; an asked-for cancel is not an error of the job's.
        let text = served.output
        #expect(text.contains("[long] triggered by one-time") && text.contains("by=one-time"), "\(text)")
        #expect(text.contains("[long] cancel of run \(runID) asked by one-time"), "\(text)")
        #expect(text.contains("notice nightshift:") && text.contains("[long] Cancelled"), "\(text)")
        #expect(!text.split(separator: "\n").contains { $0.contains("error nightshift:") && $0.contains("[long]") }, "\(text)")
        #expect(text.firstMatch(of: #/elapsed=\d+(\.\d+)?(ms|s) /#) != nil, "\(text)")
    }

    @Test("a command job's progress from the result file is seen through the API while it runs; its details are the run's")
    func resultProtocolThroughAPI() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let marker = cli.directory.appendingPathComponent("halfway").path
        let config = try cli.write(
            config: """
                store: sqlite:./store.db
                jobs:
                  expire-sessions:
                    kind: command
                    command:
                      - sh
                      - -c
                      - |
                        echo '{"progress": 50}' >> "$NIGHTSHIFT_RESULT_FILE"
                        touch \(marker)
                        sleep 4
                        echo '{"details": {"expiredCount": 2, "revokedCount": 0}}' >> "$NIGHTSHIFT_RESULT_FILE"
                """)
        let served = try await ServedAPI.start(cli, config: config, environment: ["NIGHTSHIFT_LEASE_SECONDS": "3"])
        defer { kill(served.process.processIdentifier, SIGKILL) }
        func api(_ method: String, _ path: String) async throws -> [String: Any] { try await served.call(method, path) }
        let deadline = ContinuousClock.now + .seconds(120)
        let runID = try #require(try await api("POST", "/api/jobs/run/expire-sessions?wait=false")["runId"] as? String)
        var run: [String: Any] = [:]
        var seenHalfway = false
        while run["status"] as? String != "succeeded", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            run = try await api("GET", "/api/jobs/runs/\(runID)")
            if run["status"] as? String == "running", run["progress"] as? Int == 50 { seenHalfway = true }
        }
        #expect(seenHalfway, "progress 50 was never seen while the run ran: \(run)")
        #expect(run["status"] as? String == "succeeded", "\(run)")
        #expect((run["details"] as? [String: Any])?["expiredCount"] as? Int == 2, "\(run)")
    }

    @Test("the Python client example queues a thousand runs in one request, and its unique key answers the queued run")
    func pythonClientExample() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/enqueue-from-python")
        let served = try await ServedAPI.start(
            cli, config: folder.appendingPathComponent("nightshift.yml").path,
            environment: ["NIGHTSHIFT_STORE": "sqlite:\(cli.directory.path)/store.db"])
        defer { kill(served.process.processIdentifier, SIGKILL) }
        let client = try await cli.run(
            [folder.appendingPathComponent("enqueue.py").path],
            environment: ["NIGHTSHIFT_URL": "http://127.0.0.1:\(served.port)", "NIGHTSHIFT_TOKEN": served.token],
            program: "/usr/bin/python3")
        #expect(client.status == 0, "\(client.output)")
        #expect(client.output.contains("queued 1000 runs; invoice-1 again: existing=True, same run=True"), "\(client.output)")
        try await served.stop()
    }

    @Test("serve stops with an error when its port is taken")
    func portInUse() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let config = try cli.write(config: "jobs:\n  a:\n    kind: command\n    command: [true]\n    schedule: \"* * * * * *\"\n")
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0 && listen(listener, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let result = try await cli.run(["serve", "--port", "\(port)", "--config", config])
        #expect(result.status == 1)
        #expect(
            result.output.contains(
                "port \(port) on 127.0.0.1 is already in use (another nightshift serve?): stop that program, or choose another port with --port or server.port in the config"
            ), "\(result.output)")
        #expect(!result.output.contains("engine started") && !result.output.contains("errno"), "\(result.output)")
    }

    @Test("status exits 1 once a job is FAILING")
    func failingStatus() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let config = try cli.write(
            config: """
                jobs:
                  broken:
                    kind: command
                    command: [sh, -c, "exit 1"]
                    alert_after_failures: 2
                """)
        for _ in 0..<2 { #expect(try await cli.run(["run", "broken", "--config", config]).status == 1) }
        let status = try await cli.run(["status", "--json", "--config", config])
        #expect(status.status == 1)
        #expect(status.output.contains("\"health\" : \"FAILING\""))
    }

    @Test("a store that cannot be reached fails at once, saying where and why")
    func unreachableStore() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        var stores = [
            ("postgres://nightshift@127.0.0.1:1/jobs?connect_timeout=3600", "cannot connect to PostgreSQL at 127.0.0.1:1/jobs")
        ]
        if TestServices.shouldRun(.postgres),
            case .postgres(let host, let port, let user, _, _, _) = try DatabaseURL(try TestServices.url(of: .postgres))
        {
            stores.append(
                (
                    "postgres://\(user)@\(host):\(port)/nightshift_missing?connect_timeout=3600",
                    "database \"nightshift_missing\" does not exist"
                ))
        }
        for (store, reason) in stores {
            let config = try cli.write(config: "store: \(store)\njobs: {}\n")
            // With an hour's connect timeout, retrying until it ran out would take an hour: the
            // command is waited for two minutes at most, then killed and the test fails.
            let (status, output) = try await cli.run(["runs", "--config", config], seconds: 120)
            #expect(status == 1 && output.contains(reason), "\(output)")
        }
    }

    @Test(
        "a store that can be reached gives no warning from the driver on the way",
        .requiresPostgres)
    func reachableStoreIsQuiet() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        try await withTestStore(.postgres) { test in
            let (status, output) = try await cli.run([
                "runs", "--config", try cli.write(config: "store: \(test.url)\njobs: {}\n"),
            ])
            #expect(status == 0 && !output.contains("warning"), "\(output)")
        }
    }

    @Test("runs and status never migrate: on a new store they say what to run, and create nothing")
    func readingNeverMigrates() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let database = cli.directory.appendingPathComponent("new.db").path
        let config = try cli.write(config: "store: sqlite:\(database)\njobs: {}\n")
        for command in ["runs", "status"] {
            let (status, output) = try await cli.run([command, "--config", config])
            #expect(status == 1 && output.contains("no store at \(database): `nightshift serve` or"), "\(output)")
            #expect(!FileManager.default.fileExists(atPath: database))
        }
        // A file that is there but empty (another program made it) is not migrated either.
        FileManager.default.createFile(atPath: database, contents: nil)
        for command in ["runs", "status"] {
            let (status, output) = try await cli.run([command, "--config", config])
            #expect(status == 1 && output.contains("has no Nightshift tables yet; run 'nightshift migrate'"), "\(output)")
        }
        #expect(try await cli.run(["migrate", "--config", config]).status == 0)
        #expect(try await cli.run(["runs", "--config", config]).status == 0)
    }

    @Test(
        "a PostgreSQL role that may only read lists runs and status",
        .requiresPostgres)
    func readOnlyRole() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        try await withTestStore(.postgres) { test in
            guard case .postgres(let host, let port, _, _, let database, _) = try DatabaseURL(test.url) else {
                Issue.record("the test store is not on PostgreSQL")
                return
            }
            let role = "nightshift_reader_\(UUID().uuidString.prefix(8).lowercased())"
            try await test.store.pool.withDatabase { db in
                try await db.raw("CREATE ROLE \(unsafeRaw: role) LOGIN").run()
                try await db.raw("GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(unsafeRaw: role)").run()
            }
            let url = "postgres://\(role)@\(host):\(port)/\(database ?? "")"
            let config = try cli.write(config: "store: \(url)\njobs: {}\n")
            let runs = try await cli.run(["runs", "--config", config])
            let status = try await cli.run(["status", "--config", config])
            try await test.store.pool.withDatabase { db in
                try await db.raw("DROP OWNED BY \(unsafeRaw: role)").run()
                try await db.raw("DROP ROLE \(unsafeRaw: role)").run()
            }
            #expect(runs.status == 0, "\(runs.output)")
            #expect(status.status == 0, "\(status.output)")
        }
    }

    @Test(
        "NIGHTSHIFT_LOG_FORMAT=json, or logging.format: json in the file, logs one JSON object per line, with the job and run as fields",
        arguments: [false, true])
    func jsonLogs(fromFile: Bool) async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let logging = fromFile ? "logging: { format: json, level: info }\n" : ""
        let config = try cli.write(
            config: logging
                + "store: sqlite:./s.db\njobs:\n  tick:\n    kind: command\n    command: [\"true\"]\n    schedule: \"@every 1s\"\n"
        )
        let (process, log) = try cli.start(
            ["serve", "--port", "0", "--config", config], environment: fromFile ? [:] : ["NIGHTSHIFT_LOG_FORMAT": "json"])
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline, !((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("Completed") {
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(process.processIdentifier, SIGTERM)
        _ = try await process.exitStatus()
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(!lines.isEmpty)
        var completed: [String: Any]?
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["time"] is String && object?["level"] is String && object?["message"] is String, "\(line)")
            // A time with its zone, which log stores need to place the line.
            #expect((object?["time"] as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z/) != nil, "\(line)")
            if (object?["message"] as? String)?.contains("Completed") == true { completed = object }
        }
        #expect(completed?["job"] as? String == "tick" && completed?["run"] is String && completed?["attempt"] as? String == "1")
        let refused = try await cli.run(["status", "--config", config], environment: ["NIGHTSHIFT_LOG_FORMAT": "yaml"])
        #expect(refused.status == 2 && refused.output.contains("NIGHTSHIFT_LOG_FORMAT=yaml: expected text or json"))
    }

    @Test("check --connect reaches the store and every database and Redis entry, naming the ones that do not answer")
    func checkConnect() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let config = try cli.write(
            config: """
                store: sqlite:./s.db
                databases: { app: "sqlite:./app.db", gone: "postgres://nobody@127.0.0.1:1/none" }
                redis: { cache: "redis://127.0.0.1:1/0" }
                jobs: {}
                """)
        let failing = try await cli.run(["check", "--connect", "--config", config])
        #expect(failing.status == 1, "\(failing.output)")
        #expect(failing.output.contains("store: ok") && failing.output.contains("database app: ok"), "\(failing.output)")
        #expect(failing.output.contains("database gone: cannot connect to PostgreSQL at 127.0.0.1:1"), "\(failing.output)")
        #expect(failing.output.contains("redis cache: cannot connect to Redis at 127.0.0.1:1"), "\(failing.output)")
        // SQLite files that do not exist yet are reported, not created.
        #expect(failing.output.contains("store: ok; \(cli.directory.path)/s.db does not exist yet"), "\(failing.output)")
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("s.db").path))
        let healthy = try cli.write(config: "store: sqlite:./s.db\ndatabases: { app: \"sqlite:./app.db\" }\njobs: {}\n")
        #expect(try await cli.run(["check", "--connect", "--config", healthy]).status == 0)
        let nowhere = try cli.write(config: "store: sqlite:./missing/s.db\njobs: {}\n")
        let refused = try await cli.run(["check", "--connect", "--config", nowhere])
        #expect(
            refused.status == 1 && refused.output.contains("its folder \(cli.directory.path)/missing is missing"),
            "\(refused.output)")
    }

    @Test("--version prints the version")
    func version() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let result = try await cli.run(["--version"])
        #expect(result.status == 0 && result.output.trimmingCharacters(in: .whitespacesAndNewlines) == NightshiftVersion.current)
    }

    @Test("the quick-start example validates and its jobs run")
    func quickStart() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/quickstart/nightshift.yml").path
        let environment = ["NIGHTSHIFT_STORE": "sqlite:\(cli.directory.path)/quickstart.db"]
        #expect(try await cli.run(["check", "--config", example], environment: environment).status == 0)
        let heartbeat = try await cli.run(["run", "heartbeat", "--config", example], environment: environment)
        #expect(heartbeat.status == 0 && heartbeat.output.contains("[heartbeat] Completed. exitStatus=0, output=tick at "))
        let count = try await cli.run(["run", "count-runs", "--config", example], environment: environment)
        #expect(count.output.contains("[count-runs] Completed. runs=2, succeeded=1"), "\(count.output)")
        let dryRun = try await cli.run(["run", "forget-skipped", "--dry-run", "--config", example], environment: environment)
        #expect(dryRun.output.contains("[forget-skipped] Dry run enabled. Database changes will be skipped."))
        #expect(dryRun.output.contains("[forget-skipped] Completed. rowsAffected=0, dryRun=true"), "\(dryRun.output)")
    }

    @Test("a bad config and a bad cron expression exit 2 with the documented message")
    func badInput() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let config = try cli.write(config: "jobs:\n  a:\n    kind: command\n    command: [true]\n    schedule: \"61 * * * *\"\n")
        let result = try await cli.run(["check", "--config", config])
        #expect(result.status == 2)
        #expect(result.output.contains("nightshift.yml:5: jobs.a.schedule: minute field: 61 is out of range 0-59"))
        #expect(try await cli.run(["check", "--config", cli.directory.appendingPathComponent("missing.yml").path]).status == 2)
        #expect(try await cli.run(["runs", "--limit", "many"]).status == 2)
        // Engine overrides are checked, not ignored: NaN crashed the engine and 0 made it spin.
        let valid = try cli.write(config: "store: sqlite:./s.db\njobs:\n  a:\n    kind: command\n    command: [\"true\"]\n")
        for value in ["nan", "0", "abc", "-5"] {
            let overridden = try await cli.run(["status", "--config", valid], environment: ["NIGHTSHIFT_LEASE_SECONDS": value])
            #expect(overridden.status == 2, "\(value): \(overridden.output)")
            #expect(
                overridden.output.contains(
                    "environment: NIGHTSHIFT_LEASE_SECONDS: '\(value)' is not a number of seconds from 1s to 1d"),
                "\(overridden.output)")
        }
        let badEngine = try cli.write(
            config: "engine:\n  concurrency: 0\njobs:\n  a:\n    kind: command\n    command: [\"true\"]\n")
        let refused = try await cli.run(["check", "--config", badEngine])
        #expect(refused.status == 2 && refused.output.contains("nightshift.yml:2: engine.concurrency: '0' is not a whole number"))
        #expect(try await cli.run(["serve", "--config", valid, "--concurrency", "0"]).status == 2)
    }

    @Test(
        "check reports every error in one pass, each with its line: a bad store scheme, a bad database URL, an unset token variable, a misspelt key"
    )
    func checkReportsEverything() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let config = try cli.write(
            config: """
                store: postgress://db/app
                databases:
                  app: "mysql://db/app"
                server:
                  tokens: [{ name: ops, role: admin, env: NIGHTSHIFT_TEST_UNSET_TOKEN }]
                jobs:
                  a:
                    kind: command
                    command: ["true"]
                    schedul: "0 3 * * *"
                  b:
                    kind: command
                    command: ["true"]
                    schedule: "61 * * * *"
                """)
        let result = try await cli.run(["check", "--config", config])
        #expect(result.status == 2, "\(result.output)")
        let lines = result.output.split(separator: "\n").map(String.init)
        for expected in [
            "nightshift.yml:1: store: database URL 'postgress://db/app' is neither",
            "nightshift.yml:3: databases.app: database URL 'mysql://db/app' is neither",
            "nightshift.yml:5: server.tokens.ops.env: environment variable NIGHTSHIFT_TEST_UNSET_TOKEN is not set",
            "nightshift.yml:10: jobs.a.schedul: unknown key; expected one of",
            "nightshift.yml:14: jobs.b.schedule: minute field: 61 is out of range 0-59",
        ] {
            #expect(lines.contains { $0.contains(expected) }, "missing '\(expected)' in: \(result.output)")
        }
        #expect(result.output.contains("(did you mean 'schedule'?)"), "\(result.output)")
        // `run` needs no tokens: the unset variable is not its error.
        let run = try await cli.run(["run", "a", "--config", config])
        #expect(run.status == 2 && !run.output.contains("NIGHTSHIFT_TEST_UNSET_TOKEN"), "\(run.output)")
    }

    @Test("check and jobs print times in each job's zone with its offset; --utc prints UTC; status prints health")
    func timesInJobZone() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let config = try cli.write(
            config: """
                store: sqlite:./s.db
                jobs:
                  nightly:
                    kind: command
                    command: ["true"]
                    schedule: "0 3 * * *"
                    timezone: Europe/Berlin
                """)
        let local = try await cli.run(["check", "--from", "2026-03-28T00:00:00Z", "--count", "2", "--config", config])
        #expect(local.output.contains("    2026-03-28 03:00:00 +01:00\n    2026-03-29 03:00:00 +02:00"), "\(local.output)")
        let utc = try await cli.run(["check", "--utc", "--from", "2026-03-28T00:00:00Z", "--count", "2", "--config", config])
        #expect(utc.output.contains("    2026-03-28T02:00:00Z\n    2026-03-29T01:00:00Z"), "\(utc.output)")
        #expect(try await cli.run(["migrate", "--config", config]).status == 0)
        // `jobs` lists the definitions with their next fire; `status` how each job is doing.
        let jobs = try await cli.run(["jobs", "--config", config])
        #expect(jobs.output.firstMatch(of: /03:00:00 \+0[12]:00/) != nil, "\(jobs.output)")
        #expect(
            jobs.output.contains("KIND") && jobs.output.contains("command") && !jobs.output.contains("HEALTH"), "\(jobs.output)")
        let status = try await cli.run(["status", "--config", config])
        #expect(
            status.output.contains("HEALTH") && status.output.contains("never") && !status.output.contains("KIND"),
            "\(status.output)")
    }

    @Test("check prints the next fires as JSON across the DST change")
    func checkJSON() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let config = try cli.write(
            config: """
                jobs:
                  nightly:
                    kind: command
                    command: [true]
                    schedule: "30 2 * * *"
                    timezone: America/New_York
                """)
        let result = try await cli.run(["check", "--json", "--from", "2026-03-07T12:00:00Z", "--count", "2", "--config", config])
        #expect(result.status == 0)
        #expect(result.output.contains("\"2026-03-08T07:00:00Z\""))
        #expect(result.output.contains("\"timezone\" : \"America/New_York\""))
    }

    @Test("a process killed mid-run leaves a run the next start rescues; SIGTERM drains", arguments: TestStoreKind.available)
    func crashAndDrain(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let cli = try Nightshift()
            defer { cli.cleanUp() }
            let config = try cli.write(
                config: """
                    store: \(test.url)
                    jobs:
                      slow:
                        kind: command
                        command: [sh, -c, "sleep ${SLOW_JOB_SECONDS:-2}; echo finished"]
                        schedule: "* * * * * *"
                        catch_up: none
                    """)
            let environment = [
                "NIGHTSHIFT_LEASE_SECONDS": "1.5", "NIGHTSHIFT_POLL_SECONDS": "0.1", "NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS": "10",
            ]
            // The first process's runs take 20 s, so the one seen running is surely still
            // running when the kill lands (a 2 s run seen late on a loaded machine had ended).
            let (first, _) = try cli.start(
                ["serve", "--port", "0", "--config", config], environment: environment.merging(["SLOW_JOB_SECONDS": "20"]) { $1 })
            while try await test.store.activeRuns().filter({ $0.status == .running }).isEmpty {
                try await Task.sleep(for: .milliseconds(100))
            }
            kill(first.processIdentifier, SIGKILL)
            _ = try await first.exitStatus()
            let orphan = try #require(try await test.store.activeRuns().first { $0.status == .running })

            let (second, log) = try cli.start(["serve", "--port", "0", "--config", config], environment: environment)
            let deadline = ContinuousClock.now + .seconds(120)
            while try await test.store.run(id: orphan.id)?.status == .running, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            let rescued = try #require(try await test.store.run(id: orphan.id))
            #expect(rescued.status == .failed && rescued.error?.contains("stopped heartbeating") == true)

            while try await test.store.activeRuns().filter({ $0.status == .running }).isEmpty {
                try await Task.sleep(for: .milliseconds(50))
            }
            kill(second.processIdentifier, SIGTERM)
            let status = try await second.exitStatus()
            let output = try String(contentsOf: log, encoding: .utf8)
            #expect(status == 0, "\(output)")
            #expect(try await test.store.activeRuns().filter { $0.status == .running }.isEmpty)
            #expect(try await test.store.runs(RunQuery(job: "slow", status: .succeeded)).count >= 1)
        }
    }
}
