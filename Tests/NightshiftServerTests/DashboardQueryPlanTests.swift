import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Nightshift
import NightshiftServer
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import SQLKit
import Testing

/// Every dashboard page on PostgreSQL holding 200,000 analyzed runs over 30 days: none reads
/// `nightshift_runs` or `nightshift_attempts` by a sequential scan (PostgreSQL's own count of
/// them, taken around the real pages, says so).
@Suite(.oneAtATime) struct DashboardQueryPlanTests {
    @Test("no dashboard page scans nightshift_runs or nightshift_attempts sequentially", .requiresPostgres)
    func noSequentialScans() async throws {
        try await withTestStore(.postgres) { test in
            let jobs = try (0..<200).map { index in
                try Job(name: "job-\(index)", schedule: try Schedule("*/5 * * * *")) { _ in [:] }
            }
            try await test.store.register(jobs.map(JobRegistration.init))
            try await test.store.pool.withDatabase { database in
                // One run every 13 s for 30 days across 200 jobs, one in 50 failed, each with its
                // attempt; 2,000 queued; then fresh statistics.
                try await database.raw(
                    """
                    INSERT INTO nightshift_runs (id, job, status, "trigger", attempt, max_attempts, run_after, created_at,
                        started_at, ended_at, queue, error, worker)
                    SELECT md5(g::text)::uuid::text, 'job-' || (g % 200), CASE WHEN g % 50 = 0 THEN 'failed' ELSE 'succeeded' END,
                        'schedule', 1, 1, now() - g * interval '13 seconds', now() - g * interval '13 seconds',
                        now() - g * interval '13 seconds' + interval '1 second', now() - g * interval '13 seconds' + interval '3 seconds',
                        'default', CASE WHEN g % 50 = 0 THEN 'timeout after ' || (g % 7) || 's' END, 'w'
                    FROM generate_series(1, 200000) g
                    """
                ).run()
                try await database.raw(
                    """
                    INSERT INTO nightshift_attempts (run_id, attempt, outcome, worker, started_at, ended_at, error)
                    SELECT md5(g::text)::uuid::text, 1, CASE WHEN g % 50 = 0 THEN 'failed' ELSE 'succeeded' END, 'w',
                        now() - g * interval '13 seconds', now() - g * interval '13 seconds' + interval '3 seconds', NULL
                    FROM generate_series(1, 200000) g
                    """
                ).run()
                try await database.raw(
                    """
                    INSERT INTO nightshift_runs (id, job, status, "trigger", attempt, max_attempts, run_after, created_at, queue)
                    SELECT md5('q' || g)::uuid::text, 'job-' || (g % 200), 'queued', 'manual', 1, 1, now(), now(), 'default'
                    FROM generate_series(1, 2000) g
                    """
                ).run()
                try await database.raw("ANALYZE").run()
            }
            let before = try await sequentialScans(url: test.url)
            let failed = UUID(
                uuidString: try await test.store.pool.withDatabase { database in
                    try await database.raw("SELECT md5('50')::uuid::text AS id").first()!.decode(column: "id", as: String.self)
                })!
            let pages = [
                "/", "/?window=24h", "/?window=7d", "/jobs", "/jobs/job-7", "/runs", "/runs?status=failed", "/runs?job=job-3",
                "/runs?trigger=manual",
                "/runs?status=succeeded&job=job-9", "/runs/\(failed.lowercasedText)", "/queues", "/failures",
                "/failures?window=7d",
            ]
            try await SQLJobStore.withStore(test.url, logger: Logger(label: "plan-test"), migrating: false) { store in
                let dashboard = Dashboard(
                    store: store, jobs: jobs, tokens: [APIToken(name: "ops", role: .admin, secret: "admin-secret")],
                    configuration: .init())
                let router = Router()
                dashboard.addRoutes(to: router)
                try await Application(router: router).test(.router) { client in
                    let signIn = try await client.execute(
                        uri: "/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                        body: ByteBuffer(string: "token=admin-secret"))
                    let cookie = String(try #require(signIn.headers[.setCookie]?.split(separator: ";").first))
                    // Before any statistics were kept (a store no engine has run on yet), then after
                    // the engine's first pass.
                    for page in pages {
                        let response = try await client.execute(uri: page, method: .get, headers: [.cookie: cookie])
                        #expect(response.status == .ok, "\(page)")
                    }
                    let now = try await store.databaseNow()
                    _ = try await store.summarizeFinishedRuns(before: now, span: .seconds(8 * 86_400))
                    for page in pages {
                        let response = try await client.execute(uri: page, method: .get, headers: [.cookie: cookie])
                        #expect(response.status == .ok, "\(page)")
                    }
                }
            }
            // The pages' connections are closed: their counts are flushed.
            try await Task.sleep(for: .seconds(2))
            let after = try await sequentialScans(url: test.url)
            #expect(after == before, "sequential scans by the pages: before \(before), after \(after)")
        }
    }

    /// PostgreSQL's count of sequential scans of the runs and attempts tables, read on a
    /// connection of its own.
    func sequentialScans(url: String) async throws -> [String: Int] {
        try await SQLJobStore.withStore(url, logger: Logger(label: "plan-test"), migrating: false) { store in
            try await store.pool.withDatabase { database in
                var counts: [String: Int] = [:]
                for row in try await database.raw(
                    """
                    SELECT relname, seq_scan FROM pg_stat_user_tables WHERE relname IN ('nightshift_runs', 'nightshift_attempts')
                    """
                ).all() {
                    counts[try row.decode(column: "relname", as: String.self)] = try row.decode(column: "seq_scan", as: Int.self)
                }
                return counts
            }
        }
    }
}
