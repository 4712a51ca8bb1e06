import Foundation
import Nightshift
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import SQLKit
import Testing

/// Three real `nightshift serve` processes on one PostgreSQL.
@Suite(.serialized, .oneAtATime) struct MultiInstanceTests {
    static let environment = [
        "NIGHTSHIFT_LEASE_SECONDS": "2", "NIGHTSHIFT_POLL_SECONDS": "0.2", "NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS": "5",
        "NIGHTSHIFT_LOG_LEVEL": "notice",
    ]

    func config(store: String) -> String {
        """
        store: \(store)
        databases: { store: "\(store)" }
        jobs:
          tick:
            kind: sql
            schedule: "@every 1s"
            overlap: allow
            catch_up: all
            database: store
            sql: "SELECT 1 AS one"
          work:
            kind: sql
            retries: { max_attempts: 3, backoff: 1s }
            database: store
            sql: "SELECT 1 AS one"
        """
    }

    func startThree(_ cli: Nightshift, config: String) throws -> [TestProcess] {
        try (0..<3).map { _ in try cli.start(["serve", "--port", "0", "--config", config], environment: Self.environment).0 }
    }

    func stop(_ processes: [TestProcess]) async throws {
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGTERM) }
        for process in processes { _ = try await process.exitStatus() }
    }

    @Test(
        "an every-second job runs once per second; killing the leader loses nothing that catch_up all cannot restore",
        .requiresPostgres)
    func periodicAcrossLeaderKill() async throws {
        try await withTestStore(.postgres) { test in
            let cli = try Nightshift()
            defer { cli.cleanUp() }
            let processes = try startThree(cli, config: try cli.write(config: config(store: test.url)))
            // Half before the leader dies, half after: ten leases (2 s) each, enough for the
            // takeover and the catch-up to show (the 60 s version is `nightshift-bench queue`'s W3).
            try await Task.sleep(for: .seconds(10))
            let holder = try #require(try await test.store.leaseHolder("scheduler"))
            let leader = try #require(processes.first { holder.contains(":\($0.processIdentifier):") })
            kill(leader.processIdentifier, SIGKILL)
            _ = try await leader.exitStatus()
            try await Task.sleep(for: .seconds(10))
            try await stop(processes)
            let fires = try await test.store.runs(RunQuery(job: "tick", limit: 1000)).compactMap(\.scheduledFor).sorted()
            let seconds = fires.map { Int($0.timeIntervalSince1970) }
            #expect(fires.count >= 14, "a fire every second of the 20 s, less the processes' start")
            #expect(Set(seconds).count == seconds.count, "duplicates")
            if let first = seconds.first, let last = seconds.last {
                #expect(seconds == Array(first...last), "every second from the first fire to the last has exactly one run")
            }
        }
    }

    @Test(
        "10,000 enqueued runs across three processes each succeed exactly once, also when one process is killed midway",
        .requiresPostgres)
    func tenThousandRuns() async throws {
        try await withTestStore(.postgres) { test in
            let cli = try Nightshift()
            defer { cli.cleanUp() }
            let config = try cli.write(config: config(store: test.url))
            _ = try await cli.run(["migrate", "--config", config])
            let total = 10_000
            _ = try await test.store.enqueue((0..<total).map { _ in NewRun(job: "work", maxAttempts: 3) })
            let processes = try startThree(cli, config: config)
            while try await test.store.queueDepths()["default", default: 0] > total * 2 / 3 {
                try await Task.sleep(for: .milliseconds(50))
            }
            kill(processes[0].processIdentifier, SIGKILL)
            let deadline = ContinuousClock.now + .seconds(240)
            while try await !test.store.activeRuns().filter({ $0.job == "work" }).isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
            try await stop(processes)
            let succeeded = try await test.store.runs(RunQuery(job: "work", status: .succeeded, limit: total + 1))
            #expect(succeeded.count == total)
            let attempts = try await test.store.pool.withDatabase { database in
                try await database.raw(
                    """
                    SELECT count(*) AS n, count(DISTINCT a.run_id) AS runs FROM nightshift_attempts a
                    JOIN nightshift_runs r ON r.id = a.run_id WHERE r.job = 'work' AND a.outcome = 'succeeded'
                    """
                ).first()
            }
            let successfulAttempts = try attempts?.decode(column: "n", as: Int.self)
            let distinctRuns = try attempts?.decode(column: "runs", as: Int.self)
            #expect(successfulAttempts == total, "one successful attempt per run")
            #expect(distinctRuns == total)
        }
    }
}
