import Foundation
import Logging
import Nightshift
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import SQLKit
import Testing

@testable import NightshiftJobKinds

@Suite struct RollupJobTests {
    private func rollupContext(jobName: String = "rollup-analytics", window: DateWindow? = nil, dryRun: Bool = false)
        -> JobContext
    {
        JobContext(
            jobName: jobName, runID: .version7(), attempt: 1, scheduledFor: nil, isDryRun: dryRun, window: window, params: [:],
            logger: Logger(label: "rollup-test"), progress: { _ in })
    }

    /// Seed 000's analytics rollup: total, success, 4xx and 5xx counts per tenant and hour.
    private func seedRollup(_ timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws -> RollupJob {
        RollupJob(
            database: "app", source: try SQLName("api_events"), timestampColumn: "created_at", groupBy: ["tenant_id"],
            granularities: [.hour, .day], target: try SQLName("api_events_rollup"),
            measures: [
                RollupMeasure(name: "total_count", aggregate: .count),
                RollupMeasure(name: "success_count", aggregate: .countIf("status < 400")),
                RollupMeasure(name: "error_4xx_count", aggregate: .countIf("status >= 400 AND status < 500")),
                RollupMeasure(name: "error_5xx_count", aggregate: .countIf("status >= 500")),
            ],
            lateData: .seconds(3600), timeZone: timeZone)
    }

    private func insertEvents(_ app: AppDatabase, _ events: [(tenant: String, status: Int, at: Date)]) async throws {
        let rows: [SQLQueryString] = events.map { "(\(bind: $0.tenant), \(literal: $0.status), \(bind: app.time($0.at)))" }
        try await app.execute("INSERT INTO api_events (tenant_id, status, created_at) VALUES " + rows.joined(separator: ", "))
    }

    private func hourlyRows(_ app: AppDatabase, table: String = "api_events_rollup_hourly") async throws -> [String] {
        let bucket =
            app.kind == .postgres
            ? "to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')" : "substr(bucket_start, 1, 16)"
        return try await app.pool.withDatabase { db in
            try await db.raw(
                """
                SELECT tenant_id || ' ' || \(unsafeRaw: bucket) || ' ' || total_count || ' ' || success_count || ' ' \
                || error_4xx_count || ' ' || error_5xx_count AS line FROM \(unsafeRaw: table) ORDER BY bucket_start DESC, tenant_id
                """
            ).all().map { try $0.decode(column: "line", as: String.self) }
        }
    }

    private func date(_ text: String) -> Date { ISO8601Format.date(from: text)! }

    @Test(
        "seed 000's hourly rows come out exactly; re-runs and backfills give identical tables", arguments: TestStoreKind.available
    )
    func seedHourlyRows(kind: TestStoreKind) async throws {
        try await AppDatabase.with(kind) { app in
            try await app.execute(
                "CREATE TABLE api_events (id \(unsafeRaw: kind == .postgres ? "bigserial" : "INTEGER") PRIMARY KEY, tenant_id TEXT NOT NULL, status INTEGER NOT NULL, created_at \(unsafeRaw: app.timeType) NOT NULL)"
            )
            try await insertEvents(
                app,
                [
                    ("tenant_FLUSH_DEMO", 200, date("2025-09-18T14:05:00Z")),
                    ("tenant_FLUSH_DEMO", 201, date("2025-09-18T15:59:59Z")),
                    ("tenant_FLUSH_DEMO", 503, date("2025-09-18T16:00:00Z")),
                    ("tenant_E_111", 404, date("2025-09-18T16:30:00Z")),
                    ("tenant_E_111", 200, date("2025-09-18T16:31:00Z")),
                ])
            let job = try seedRollup()
            let dry = try await job.body(registry: app.registry)(rollupContext(dryRun: true))
            #expect(dry["hourlyBuckets"] == 4 && dry["dailyBuckets"] == 2 && dry["dryRun"] == true)
            #expect(
                try await app.integer(
                    "SELECT count(*) AS n FROM \(unsafeRaw: kind == .postgres ? "pg_tables WHERE tablename" : "sqlite_master WHERE name") LIKE 'api_events_rollup%'"
                ) == 0)

            let first = try await job.body(registry: app.registry)(rollupContext())
            #expect(first["hourlyBuckets"] == 4 && first["dailyBuckets"] == 2)
            let expected = [
                "tenant_E_111 2025-09-18 16:00 2 1 1 0",
                "tenant_FLUSH_DEMO 2025-09-18 16:00 1 0 0 1",
                "tenant_FLUSH_DEMO 2025-09-18 15:00 1 1 0 0",
                "tenant_FLUSH_DEMO 2025-09-18 14:00 1 1 0 0",
            ]
            #expect(try await hourlyRows(app) == expected)
            #expect(
                try await hourlyRows(app, table: "api_events_rollup_daily") == [
                    "tenant_E_111 2025-09-18 00:00 2 1 1 0", "tenant_FLUSH_DEMO 2025-09-18 00:00 3 2 0 1",
                ])
            // A scheduled re-run sees nothing new; a backfill of the day recomputes it, and counts
            // only the buckets whose values were not right (the team's re-run printed
            // hourlyBuckets=0, dailyBuckets=0).
            #expect(try await job.body(registry: app.registry)(rollupContext())["hourlyBuckets"] == 0)
            let day = try DateWindow.days(from: "2025-09-18", through: "2025-09-18", in: TimeZone(identifier: "UTC")!)[0]
            #expect(try await job.body(registry: app.registry)(rollupContext(window: day))["hourlyBuckets"] == 0)
            try await app.execute("DELETE FROM api_events_rollup_hourly WHERE tenant_id = 'tenant_E_111'")
            #expect(try await job.body(registry: app.registry)(rollupContext(window: day))["hourlyBuckets"] == 1)
            #expect(try await hourlyRows(app) == expected)
            #expect(try await app.integer("SELECT count(*) AS n FROM api_events_rollup_hourly") == 4)
        }
    }

    @Test(
        "scheduled runs pick up new rows and late rows within late_data; older rows need a backfill",
        arguments: TestStoreKind.available)
    func incremental(kind: TestStoreKind) async throws {
        try await AppDatabase.with(kind) { app in
            try await app.execute(
                "CREATE TABLE api_events (tenant_id TEXT, status INTEGER NOT NULL, created_at \(unsafeRaw: app.timeType) NOT NULL)"
            )
            let now = Date()
            try await insertEvents(app, [("a", 200, now.addingTimeInterval(-7200)), ("a", 200, now.addingTimeInterval(-60))])
            let job = try seedRollup()
            _ = try await job.body(registry: app.registry)(rollupContext())
            func total() async throws -> Int {
                try await app.integer("SELECT CAST(sum(total_count) AS bigint) AS n FROM api_events_rollup_hourly")
            }
            #expect(try await total() == 2)
            // One new row now, one late row 30 minutes back (inside late_data), one 3 days back
            // (outside it), and one with no tenant.
            try await insertEvents(
                app,
                [
                    ("a", 500, now.addingTimeInterval(-5)), ("a", 200, now.addingTimeInterval(-1800)),
                    ("a", 200, now.addingTimeInterval(-3 * 86_400)),
                ])
            try await app.execute(
                "INSERT INTO api_events (tenant_id, status, created_at) VALUES (NULL, 200, \(bind: app.time(now.addingTimeInterval(-10))))"
            )
            _ = try await job.body(registry: app.registry)(rollupContext())
            #expect(try await total() == 5)
            _ = try await job.body(registry: app.registry)(rollupContext())
            #expect(try await total() == 5)
            let window = DateWindow(from: now.addingTimeInterval(-4 * 86_400), to: now.addingTimeInterval(60))
            _ = try await job.body(registry: app.registry)(rollupContext(window: window))
            #expect(try await total() == 6)
            #expect(try await app.integer("SELECT count(*) AS n FROM api_events_rollup_hourly WHERE tenant_id IS NULL") == 1)
        }
    }

    @Test(
        "complete_buckets_only leaves the hour and the day under way for a later run", arguments: TestStoreKind.available)
    func completeBucketsOnly(kind: TestStoreKind) async throws {
        try await AppDatabase.with(kind) { app in
            try await app.execute(
                "CREATE TABLE api_events (tenant_id TEXT, status INTEGER NOT NULL, created_at \(unsafeRaw: app.timeType) NOT NULL)"
            )
            // The job reads the database's clock, which a test cannot move: start clear of an hour's end.
            var now = Date()
            let untilNextHour = 3600 - now.timeIntervalSince1970.truncatingRemainder(dividingBy: 3600)
            if untilNextHour < 10 {
                try await Task.sleep(for: .seconds(untilNextHour + 1))
                now = Date()
            }
            let hour = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
            let today = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
            let earlier = [hour.addingTimeInterval(-7200 + 300), hour.addingTimeInterval(-3600 + 300)]
            try await insertEvents(app, earlier.map { ("ended", 200, $0) } + [("under-way", 200, hour)])
            let base = try seedRollup()
            let job = RollupJob(
                database: base.database, source: base.source, timestampColumn: base.timestampColumn, groupBy: base.groupBy,
                granularities: base.granularities, target: base.target, measures: base.measures, timeZone: base.timeZone,
                completeBucketsOnly: true)
            let details = try await job.body(registry: app.registry)(rollupContext())
            let endedDays = Set(earlier.filter { $0 < today }.map { ($0.timeIntervalSince1970 / 86_400).rounded(.down) }).count
            #expect(details["hourlyBuckets"] == 2 && details["dailyBuckets"] == .number(Double(endedDays)), "\(details)")
            func rows(_ table: String, _ tenant: String) async throws -> Int {
                try await app.integer("SELECT count(*) AS n FROM \(unsafeRaw: table) WHERE tenant_id = \(bind: tenant)")
            }
            #expect(try await rows("api_events_rollup_hourly", "ended") == 2)
            #expect(try await rows("api_events_rollup_hourly", "under-way") == 0)
            #expect(try await rows("api_events_rollup_daily", "ended") == endedDays)
            #expect(try await rows("api_events_rollup_daily", "under-way") == 0)
            // A window asked for by hand is cut at the same place.
            let window = DateWindow(from: hour.addingTimeInterval(-86_400), to: hour.addingTimeInterval(3600))
            #expect(try await job.body(registry: app.registry)(rollupContext(window: window))["hourlyBuckets"] == 0)
            #expect(try await rows("api_events_rollup_hourly", "under-way") == 0)
        }
    }

    @Test(
        "PostgreSQL: unique users, merged metadata, and days in the job's time zone",
        .requiresPostgres)
    func postgresMeasures() async throws {
        try await AppDatabase.with(.postgres) { app in
            try await app.execute(
                "CREATE TABLE telemetry (event text NOT NULL, user_id text, meta jsonb, at timestamptz NOT NULL)")
            try await app.execute(
                """
                INSERT INTO telemetry VALUES
                ('open', 'u1', '{"app": "1.0", "os": "ios"}', '2024-01-15 10:00Z'),
                ('open', 'u1', '{"app": "1.1"}', '2024-01-15 11:00Z'),
                ('open', 'u2', NULL, '2024-01-15 22:30Z'),
                ('open', 'u3', '{"late": true}', '2024-01-15 23:30Z') -- 00:30 on the 16th in Berlin
                """)
            let job = RollupJob(
                database: "app", source: try SQLName("telemetry"), timestampColumn: "at", groupBy: ["event"],
                granularities: [.day],
                target: try SQLName("telemetry"),
                measures: [
                    RollupMeasure(name: "count", aggregate: .count),
                    RollupMeasure(name: "unique_users", aggregate: .countDistinct("user_id")),
                    RollupMeasure(name: "meta", aggregate: .jsonMerge("meta")),
                ],
                timeZone: TimeZone(identifier: "Europe/Berlin")!)
            let window = try DateWindow.days(
                from: "2024-01-15", through: "2024-01-16", in: TimeZone(identifier: "Europe/Berlin")!)
            for day in window { _ = try await job.body(registry: app.registry)(rollupContext(window: day)) }
            let rows = try await app.pool.withDatabase { db in
                try await db.raw(
                    "SELECT to_char(bucket_start AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD HH24') || ' ' || count || ' ' || unique_users || ' ' || meta::text AS line FROM telemetry_daily ORDER BY bucket_start"
                ).all().map { try $0.decode(column: "line", as: String.self) }
            }
            #expect(
                rows == [
                    "2024-01-15 00 3 2 {\"os\": \"ios\", \"app\": \"1.1\"}",
                    "2024-01-16 00 1 1 {\"late\": true}",
                ])
        }
    }

    @Test("SQLite refuses a time zone it cannot bucket in; a missing column is named")
    func clearErrors() async throws {
        try await AppDatabase.with(.sqlite) { app in
            try await app.execute("CREATE TABLE api_events (tenant_id TEXT, status INTEGER, created_at TEXT)")
            await #expect(throws: MaintenanceError.self) {
                _ = try await seedRollup(TimeZone(identifier: "Europe/Berlin")!).body(registry: app.registry)(rollupContext())
            }
            let broken = RollupJob(
                database: "app", source: try SQLName("api_events"), timestampColumn: "created_at", groupBy: ["tenant"],
                granularities: [.hour], target: try SQLName("r"), measures: [RollupMeasure(name: "n", aggregate: .count)],
                timeZone: TimeZone(identifier: "UTC")!)
            await #expect(
                throws: MaintenanceError.missingColumn(
                    "tenant", table: "api_events", known: ["tenant_id", "status", "created_at"])
            ) {
                _ = try await broken.body(registry: app.registry)(rollupContext())
            }
        }
    }
}
