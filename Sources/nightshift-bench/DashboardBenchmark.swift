import Foundation
import Logging
import Nightshift
import NightshiftDatabase
import NightshiftSQL
import SQLKit

/// The dashboard at scale: a fresh PostgreSQL database filled with finished runs over 30 days
/// across many jobs plus a queue, then every page loaded again and again through the
/// dashboard's router (server-side time: the pages' queries and rendering, no network), beside
/// the naive queries a dashboard that counts and sorts the whole table would run.
struct DashboardBenchmark {
    let baseURL: DatabaseURL
    let logger: Logger

    func run(runs: Int, jobs jobCount: Int, queued: Int, loads: Int, keep: Bool) async throws {
        if keep {
            let name = "nightshift_bench_kept_\(Int(Date().timeIntervalSince1970))"
            let pool = try await SQLConnectionPool.open(baseURL, logger: logger)
            try await pool.withDatabase { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
            await pool.close()
            let url = baseURL.text(maskingPassword: false, database: name)
            try await fillAndMeasure(url, runs: runs, jobs: jobCount, queued: queued, loads: loads)
            print("kept the database: \(url)")
        } else {
            try await ScratchDatabase.with(beside: baseURL, prefix: "nightshift_bench", logger: logger) { url in
                try await fillAndMeasure(url, runs: runs, jobs: jobCount, queued: queued, loads: loads)
            }
        }
    }

    private func fillAndMeasure(_ url: String, runs: Int, jobs jobCount: Int, queued: Int, loads: Int) async throws {
        try await SQLJobStore.withStore(url, logger: logger) { store in
            try await store.register(try Self.jobs(jobCount).map(JobRegistration.init))
            let filled = try await timed { try await fill(store.pool, runs: runs, jobs: jobCount, queued: queued) }
            print("filled \(runs) finished runs (with their attempts) and \(queued) queued in \(Int(filled)) s")
        }
        try await measure(url, jobs: jobCount, loads: loads)
    }

    private static func jobs(_ count: Int) throws -> [Job] {
        try (0..<count).map { index in try Job(name: "job-\(index)", schedule: try Schedule("*/5 * * * *")) { _ in [:] } }
    }

    /// Brings the run statistics up to date as a running engine keeps them (the first pass over
    /// a store that never kept them reads a week of runs), then loads every page `loads` times.
    func measure(_ url: String, jobs jobCount: Int, loads: Int) async throws {
        try await SQLJobStore.withStore(url, logger: logger) { store in
            let jobs = try Self.jobs(jobCount)
            var passes = 0
            let caughtUp = try await timed {
                let before = try await store.databaseNow().addingTimeInterval(-RunStatistics.lag.inSeconds)
                while try await store.summarizeFinishedRuns(before: before, span: .seconds(3600)) < before { passes += 1 }
            }
            print("run statistics brought up to date in \(String(format: "%.1f", caughtUp)) s (\(passes + 1) passes)")
            let client = try await DashboardClient(store: store, jobs: jobs, logger: logger)
            let failed = try await store.pool.withDatabase { database in
                try await database.raw("SELECT md5('50')::uuid::text AS id").first()!.decode(column: "id", as: String.self)
            }
            let pages = [
                ("Overview", "/"), ("Overview, 24 h", "/?window=24h"), ("Overview, 7 days", "/?window=7d"), ("Jobs", "/jobs"),
                ("Job", "/jobs/job-7"), ("Runs", "/runs"),
                ("Runs, failed", "/runs?status=failed"), ("Runs of a job", "/runs?job=job-3"), ("Run", "/runs/\(failed)"),
                ("Queues", "/queues"), ("Failures 24 h", "/failures"), ("Failures 7 d", "/failures?window=7d"),
            ]
            let naive: [String: [String]] = [
                "Overview": [
                    "SELECT count(*) FROM nightshift_runs",
                    "SELECT job, max(ended_at) FROM nightshift_runs WHERE status NOT IN ('queued', 'running', 'skipped') GROUP BY job",
                    "SELECT status, count(*) FROM nightshift_runs GROUP BY status",
                ],
                "Jobs": [
                    "SELECT job, max(ended_at) FROM nightshift_runs WHERE status NOT IN ('queued', 'running', 'skipped') GROUP BY job",
                    "SELECT job, count(*) FROM nightshift_runs GROUP BY job",
                ],
                "Runs": [
                    "SELECT count(*) FROM nightshift_runs",
                    "SELECT * FROM nightshift_runs ORDER BY created_at DESC OFFSET 5000 LIMIT 50",
                ],
                "Failures 24 h": [
                    """
                    SELECT job, error, count(*) FROM nightshift_runs WHERE status IN ('failed', 'discarded')
                    AND ended_at > now() - interval '1 day' GROUP BY job, error
                    """
                ],
            ]
            print("page                 p50 ms   p95 ms   max ms | naive queries p50 ms   naive / page")
            for (name, path) in pages {
                var times: [Double] = []
                for _ in 0..<loads {
                    let seconds = try await timed { try await client.load(path) }
                    times.append(seconds * 1000)
                }
                times.sort()
                let p50 = times[times.count / 2]
                let p95 = times[min(times.count - 1, Int(Double(times.count) * 0.95))]
                var line =
                    name.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + String(format: " %7.1f  %7.1f  %7.1f", p50, p95, times.last ?? 0)
                if let statements = naive[name] {
                    var naiveTimes: [Double] = []
                    for _ in 0..<5 {
                        naiveTimes.append(
                            try await timed {
                                try await store.pool.withDatabase { database in
                                    for statement in statements {
                                        _ = try await database.raw(SQLQueryString(statement)).all()
                                    }
                                }
                            } * 1000)
                    }
                    naiveTimes.sort()
                    let naiveP50 = naiveTimes[naiveTimes.count / 2]
                    line += String(format: " | %20.1f   %10.1f", naiveP50, naiveP50 / p50)
                }
                print(line)
            }
        }
    }

    /// Finished runs spread evenly over 30 days across the jobs (one in 50 failed, with a few
    /// kinds of error), each with its attempt row, then queued runs; then fresh statistics.
    private func fill(_ pool: SQLConnectionPool, runs: Int, jobs: Int, queued: Int) async throws {
        let spacing = 30.0 * 86_400 / Double(runs)
        try await pool.withDatabase { database in
            let chunk = 1_000_000
            var start = 1
            while start <= runs {
                let end = min(runs, start + chunk - 1)
                try await database.raw(
                    """
                    INSERT INTO nightshift_runs (id, job, status, "trigger", attempt, max_attempts, run_after, created_at,
                        started_at, ended_at, queue, error, worker, details)
                    SELECT md5(g::text)::uuid::text, 'job-' || (g % \(unsafeRaw: String(jobs))),
                        CASE WHEN g % 50 = 0 THEN 'failed' ELSE 'succeeded' END, 'schedule', 1, 1,
                        now() - g * \(unsafeRaw: String(spacing)) * interval '1 second', now() - g * \(unsafeRaw: String(spacing)) * interval '1 second',
                        now() - g * \(unsafeRaw: String(spacing)) * interval '1 second' + interval '1 second',
                        now() - g * \(unsafeRaw: String(spacing)) * interval '1 second' + interval '3 seconds', 'default',
                        CASE WHEN g % 50 = 0 THEN 'timed out after ' || (g % 7) || 's on shard ' || (g % 13) END, 'worker-1',
                        '{"rows": 42}'
                    FROM generate_series(\(unsafeRaw: String(start)), \(unsafeRaw: String(end))) g
                    """
                ).run()
                try await database.raw(
                    """
                    INSERT INTO nightshift_attempts (run_id, attempt, outcome, worker, started_at, ended_at)
                    SELECT md5(g::text)::uuid::text, 1, CASE WHEN g % 50 = 0 THEN 'failed' ELSE 'succeeded' END, 'worker-1',
                        now() - g * \(unsafeRaw: String(spacing)) * interval '1 second',
                        now() - g * \(unsafeRaw: String(spacing)) * interval '1 second' + interval '3 seconds'
                    FROM generate_series(\(unsafeRaw: String(start)), \(unsafeRaw: String(end))) g
                    """
                ).run()
                start = end + 1
            }
            try await database.raw(
                """
                INSERT INTO nightshift_runs (id, job, status, "trigger", attempt, max_attempts, run_after, created_at, queue)
                SELECT md5('q' || g)::uuid::text, 'job-' || (g % \(unsafeRaw: String(jobs))), 'queued', 'manual', 1, 1,
                    now() + interval '1 hour', now(), 'default'
                FROM generate_series(1, \(unsafeRaw: String(queued))) g
                """
            ).run()
            try await database.raw("VACUUM ANALYZE nightshift_runs").run()
            try await database.raw("VACUUM ANALYZE nightshift_attempts").run()
        }
    }

    private func timed(_ work: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await work()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// A benchmark that could not run as set up.
struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
