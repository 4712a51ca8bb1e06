import Foundation
import Logging
import Nightshift
import NightshiftDatabase
import NightshiftJobKinds
import NightshiftRedis
import NightshiftSQL
import SQLKit

/// The maintenance workloads of BENCHMARKS.md: each job kind against the plain SQL (or the
/// per-key loop) it replaces, on generated data in a fresh PostgreSQL database.
struct MaintenanceBenchmark {
    let baseURL: DatabaseURL
    let redisURL: String?
    let logger: Logger

    /// Rollup of `events` rows into hourly and daily buckets against the two hand-written
    /// `INSERT … SELECT … GROUP BY` statements; then an incremental run after 1% new rows.
    func rollup(events: Int) async throws {
        try await withDatabase { pool, registry in
            try await execute(
                pool,
                "CREATE TABLE events (id bigserial PRIMARY KEY, tenant_id int NOT NULL, status int NOT NULL, user_id int NOT NULL, created_at timestamptz NOT NULL)"
            )
            // 30 days of events, 2,000 tenants, a realistic mix of statuses.
            try await execute(
                pool,
                """
                INSERT INTO events (tenant_id, status, user_id, created_at)
                SELECT i % 2000, (ARRAY[200, 200, 200, 201, 404, 500])[1 + i % 6], i % 50000,
                       now() - interval '30 days' + (i::double precision / \(events)) * interval '30 days' - interval '2 hours'
                FROM generate_series(1, \(events)) AS i
                """)
            try await execute(pool, "CREATE INDEX events_created_at ON events (created_at)")
            try await execute(pool, "VACUUM ANALYZE events")
            let measures =
                "count(*), count(*) FILTER (WHERE status < 400), count(*) FILTER (WHERE status >= 400 AND status < 500), count(*) FILTER (WHERE status >= 500)"
            var handWritten = 0.0
            for (suffix, field) in [("hourly", "hour"), ("daily", "day")] {
                try await execute(
                    pool,
                    "CREATE TABLE hand_\(suffix) (tenant_id int, bucket_start timestamptz NOT NULL, total bigint, ok bigint, e4 bigint, e5 bigint, UNIQUE NULLS NOT DISTINCT (tenant_id, bucket_start))"
                )
                handWritten += try await timed {
                    try await execute(
                        pool,
                        "INSERT INTO hand_\(suffix) SELECT tenant_id, date_trunc('\(field)', created_at, 'UTC'), \(measures) FROM events GROUP BY 1, 2"
                    )
                }
            }
            let job = RollupJob(
                database: "bench", source: try SQLName("events"), timestampColumn: "created_at", groupBy: ["tenant_id"],
                granularities: [.hour, .day], target: try SQLName("events_rollup"),
                measures: [
                    RollupMeasure(name: "total", aggregate: .count),
                    RollupMeasure(name: "ok", aggregate: .countIf("status < 400")),
                    RollupMeasure(name: "e4", aggregate: .countIf("status >= 400 AND status < 500")),
                    RollupMeasure(name: "e5", aggregate: .countIf("status >= 500")),
                ],
                lateData: .seconds(3600), timeZone: TimeZone(identifier: "UTC")!)
            let full = try await timed { _ = try await job.body(registry: registry)(benchContext("rollup")) }
            report(
                "rollup full, \(events) events: \(milliseconds(full)) ms; hand-written INSERT … SELECT … GROUP BY: \(milliseconds(handWritten)) ms (ratio \(ratio(full, handWritten)))"
            )
            try await execute(
                pool,
                """
                INSERT INTO events (tenant_id, status, user_id, created_at)
                SELECT i % 2000, 200, i % 50000, now() - interval '50 minutes' + (i::double precision / \(events / 100)) * interval '45 minutes'
                FROM generate_series(1, \(events / 100)) AS i
                """)
            try await execute(pool, "ANALYZE events")
            let incremental = try await timed { _ = try await job.body(registry: registry)(benchContext("rollup")) }
            report(
                "rollup incremental after 1% new events: \(milliseconds(incremental)) ms (\(percent(incremental, full)) of the full run)"
            )
        }
    }

    /// Purge of half of `rows` rows against one plain `DELETE`, each on its own copy of the
    /// table, while a writer inserts into the table being purged; reports the writer's p99.
    func purge(rows: Int) async throws {
        try await withDatabase { pool, registry in
            for table in ["plain_logs", "chunked_logs"] {
                try await execute(
                    pool,
                    "CREATE TABLE \(table) (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL, level text, message text)")
                try await execute(
                    pool,
                    """
                    INSERT INTO \(table) (created_at, level, message)
                    SELECT now() - (i::double precision / \(rows)) * interval '180 days', 'info', 'log line ' || i
                    FROM generate_series(1, \(rows)) AS i
                    """)
                try await execute(pool, "CREATE INDEX \(table)_created_at ON \(table) (created_at)")
                try await execute(pool, "VACUUM ANALYZE \(table)")
            }
            let (plain, plainWriter) = try await withWriter(pool, table: "plain_logs") {
                try await execute(pool, "DELETE FROM plain_logs WHERE created_at < now() - interval '90 days'")
            }
            let job = PurgeJob(
                database: "bench",
                targets: [
                    .init(
                        table: try SQLName("chunked_logs"), timestampColumn: "created_at", olderThan: .seconds(90 * 86_400),
                        batchSize: 10_000)
                ])
            var deleted = 0.0
            let (chunked, chunkedWriter) = try await withWriter(pool, table: "chunked_logs") {
                let details = try await job.body(registry: registry)(benchContext("purge"))
                if case .number(let count) = details["chunked_logs_deleted"] { deleted = count }
            }
            report(
                "purge \(Int(deleted)) of \(rows) rows in chunks of 10,000: \(milliseconds(chunked)) ms; one plain DELETE: \(milliseconds(plain)) ms (ratio \(ratio(chunked, plain)))"
            )
            report(
                "purge concurrent insert latency: p99 \(plainWriter) ms during the plain DELETE, p99 \(chunkedWriter) ms during the chunked purge"
            )
        }
    }

    /// Flush of `keys` dated Redis counters against a loop that GETs each key and upserts it
    /// alone (measured on a sample of the keys, since the loop is slow by design).
    func flush(keys: Int) async throws {
        guard let redisURL else {
            report("flush: skipped (no --redis)")
            return
        }
        let client = RedisClient(url: try RedisURL(redisURL))
        let prefix = "bench\(UInt32.random(in: 0...UInt32.max)):"
        defer { Task { await client.close() } }
        for start in stride(from: 0, to: keys, by: 10_000) {
            _ = try await client.pipeline(
                (start..<min(start + 10_000, keys)).map { index in
                    [
                        "SET", "\(prefix)usage:tenant\(index % 5000):2025-11-0\(1 + index % 7):metric\(index / 35_000)",
                        String(index % 1000 + 1),
                    ]
                })
        }
        try await withDatabase(redis: redisURL) { pool, registry in
            let job = CounterFlushJob(
                database: "bench", redis: "bench", pattern: try CounterKeyPattern("\(prefix)usage:{tenant}:{date}:{metric}"),
                table: try SQLName("usage_counters"), columns: ["date": "period_start"], totalMarker: "__total__")
            let seconds = try await timed { _ = try await job.body(registry: registry)(benchContext("flush")) }
            let rate = Double(keys) / seconds
            // The loop the seeds wrote: for each scanned key, GET it and upsert it on its own.
            let sample = min(keys, 20_000)
            var done = 0
            let loop = try await timed {
                scanning: for try await batch in client.scan(match: "\(prefix)usage:*", count: 1000) {
                    for key in batch {
                        let parts = key.split(separator: ":")
                        let value = try await client.send(["GET", key]).integer ?? 0
                        try await pool.withDatabase { db in
                            try await db.raw(
                                """
                                INSERT INTO usage_counters (tenant, period_start, metric, value) VALUES (\(bind: String(parts[2])), CAST(\(bind: String(parts[3])) AS date), \(bind: String(parts[4])), \(bind: value))
                                ON CONFLICT (tenant, period_start, metric) DO UPDATE SET value = excluded.value
                                """
                            ).run()
                        }
                        done += 1
                        if done == sample { break scanning }
                    }
                }
            }
            let loopRate = Double(done) / loop
            report(
                "flush \(keys) keys: \(Int(seconds * 1000)) ms, \(Int(rate)) keys/s; per-key GET + upsert loop: \(Int(loopRate)) keys/s on \(done) keys (\(String(format: "%.1f", rate / loopRate))× faster)"
            )
        }
        var left: [String] = []
        for try await batch in client.scan(match: "\(prefix)*", count: 10_000) { left += batch }
        for start in stride(from: 0, to: left.count, by: 10_000) {
            _ = try await client.send(["UNLINK"] + left[start..<min(start + 10_000, left.count)])
        }
    }

    // MARK: Support

    private func withDatabase(redis: String? = nil, _ body: (SQLConnectionPool, DatabaseRegistry) async throws -> Void)
        async throws
    {
        try await ScratchDatabase.with(beside: baseURL, prefix: "nightshift_bench", logger: logger) { url in
            let pool = try await SQLConnectionPool.open(try DatabaseURL(url), logger: logger)
            let registry = DatabaseRegistry(urls: ["bench": url], redisURLs: redis.map { ["bench": $0] } ?? [:], logger: logger)
            do {
                try await body(pool, registry)
            } catch {
                await registry.closeAll()
                await pool.close()
                throw error
            }
            await registry.closeAll()
            await pool.close()
        }
    }

    /// Runs `work` while another connection inserts one row at a time into `table`; returns the
    /// work's seconds and the inserts' p99 latency in milliseconds.
    private func withWriter(_ pool: SQLConnectionPool, table: String, _ work: () async throws -> Void) async throws -> (
        Double, String
    ) {
        let writer = Task {
            var latencies: [Double] = []
            while !Task.isCancelled {
                let start = ContinuousClock.now
                try await pool.withDatabase { db in
                    try await db.raw(
                        "INSERT INTO \(unsafeRaw: table) (created_at, level, message) VALUES (now(), 'info', 'live')"
                    ).run()
                }
                latencies.append((ContinuousClock.now - start).inSeconds * 1000)
                try? await Task.sleep(for: .milliseconds(2))
            }
            return latencies
        }
        let seconds = try await timed(work)
        writer.cancel()
        let latencies = ((try? await writer.value) ?? []).sorted()
        let p99 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
        return (seconds, String(format: "%.1f", p99))
    }

    private func execute(_ pool: SQLConnectionPool, _ sql: String) async throws {
        try await pool.withDatabase { try await $0.raw(SQLQueryString(sql)).run() }
    }

    private func timed(_ work: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await work()
        return (ContinuousClock.now - start).inSeconds
    }

    private func benchContext(_ job: String) -> JobContext {
        JobContext(
            jobName: job, runID: UUID(), attempt: 1, scheduledFor: nil, isDryRun: false, window: nil, params: [:], logger: logger,
            progress: { _ in })
    }

    private func milliseconds(_ seconds: Double) -> Int { Int(seconds * 1000) }
    private func ratio(_ value: Double, _ baseline: Double) -> String { String(format: "%.2f", value / baseline) }
    private func percent(_ value: Double, _ whole: Double) -> String { String(format: "%.1f%%", value / whole * 100) }
}
