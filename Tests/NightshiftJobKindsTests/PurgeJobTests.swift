import Foundation
import Logging
import Nightshift
import NightshiftDatabase
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import SQLKit
import Testing

@testable import NightshiftJobKinds

@Suite struct PurgeJobTests {
    /// 400 rows, one every 12 hours back from now, half of them `debug`; plus one row a second
    /// newer than the 90-day cutoff, which must survive.
    private func fillEvents(_ app: AppDatabase, now: Date) async throws {
        try await app.execute(
            "CREATE TABLE api_events (id INTEGER PRIMARY KEY, created_at \(unsafeRaw: app.timeType) NOT NULL, kind TEXT NOT NULL)"
        )
        var rows: [SQLQueryString] = (0..<400).map { index in
            "(\(literal: index + 1), \(bind: app.time(now.addingTimeInterval(-Double(index) * 43_200))), \(literal: index % 2 == 0 ? "debug" : "info"))"
        }
        rows.append("(1000, \(bind: app.time(now.addingTimeInterval(-90 * 86_400 + 60))), 'debug')")
        try await app.execute("INSERT INTO api_events (id, created_at, kind) VALUES " + rows.joined(separator: ", "))
    }

    @Test(
        "a dry run counts exactly the rows that go; the run deletes them in chunks and archives them",
        arguments: TestStoreKind.available)
    func purgesInChunks(kind: TestStoreKind) async throws {
        try await AppDatabase.with(kind) { app in
            let now = Date()
            try await fillEvents(app, now: now)
            // Rows 181...400 are older than 90 days (index * 12 h > 90 d means index > 180).
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("purge-\(UUID())").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let job = PurgeJob(
                database: "app",
                targets: [
                    .init(
                        table: try SQLName("api_events"), timestampColumn: "created_at", olderThan: .seconds(90 * 86_400),
                        batchSize: 37)
                ],
                archiveFolder: folder)
            let dry = try await job.body(registry: app.registry)(context(dryRun: true))
            #expect(dry == ["api_events_to_delete": 220, "dryRun": true])
            #expect(try await app.integer("SELECT count(*) AS n FROM api_events") == 401)
            #expect(FileManager.default.subpaths(atPath: folder) == nil)

            let details = try await job.body(registry: app.registry)(context())
            #expect(details["api_events_deleted"] == 220)
            #expect(try await app.integer("SELECT count(*) AS n FROM api_events") == 181)
            #expect(try await app.integer("SELECT min(id) AS n FROM api_events WHERE id < 1000") == 1)
            #expect(try await app.integer("SELECT max(id) AS n FROM api_events WHERE id < 1000") == 180)
            #expect(try await app.integer("SELECT count(*) AS n FROM api_events WHERE id = 1000") == 1)
            guard case .string(let archive) = details["api_events_archive"] else {
                Issue.record("no archive in \(details)")
                return
            }
            let lines = try await gunzip(archive).split(separator: "\n")
            let ids = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.compactMap {
                $0?["id"] as? Int
            }
            #expect(ids.count == 220 && Set(ids) == Set(181...400))
            #expect(try await job.body(registry: app.registry)(context())["api_events_deleted"] == 0)
        }
    }

    @Test(
        "one table listed twice archives each entry to its own file, owner-only, and loses no row",
        arguments: TestStoreKind.available)
    func tableListedTwice(kind: TestStoreKind) async throws {
        try await AppDatabase.with(kind) { app in
            let now = Date()
            try await fillEvents(app, now: now)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("purge-\(UUID())").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            // Per-level retention: debug rows after 30 days, the rest after 90. The second
            // entry's archive used to truncate the first's after its rows were deleted.
            let table = try SQLName("api_events")
            let job = PurgeJob(
                database: "app",
                targets: [
                    .init(
                        table: table, timestampColumn: "created_at", olderThan: .seconds(30 * 86_400), filter: "kind = 'debug'",
                        batchSize: 25),
                    .init(table: table, timestampColumn: "created_at", olderThan: .seconds(90 * 86_400), batchSize: 25),
                ],
                archiveFolder: folder)
            let details = try await job.body(registry: app.registry)(context())
            let deleted = 401 - (try await app.integer("SELECT count(*) AS n FROM api_events"))
            #expect(details["api_events_deleted"] == .number(Double(deleted)))
            guard case .string(let first) = details["api_events_archive"],
                case .string(let second) = details["api_events_archive_2"]
            else {
                Issue.record("two archives expected in \(details)")
                return
            }
            #expect(first != second)
            var archived = 0
            for path in [first, second] { archived += try await gunzip(path).split(separator: "\n").count }
            #expect(archived == deleted)
            for path in [first, second] {
                let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
                #expect(permissions == 0o600)
            }
            // An archive is never overwritten.
            #expect(throws: MaintenanceError.self) { try GzipNDJSONWriter(path: first) }
        }
    }

    @Test(
        "the cutoff comes from the database's clock, not the host's (a host whose clock is off purged by the wrong one)",
        .requiresPostgres)
    func cutoffByDatabaseClock() async throws {
        try await AppDatabase.with(.postgres) { app in
            // The database's `now()` runs ten days behind the host's: a function of that name in
            // a schema searched before pg_catalog, for every new connection to this database.
            try await app.execute("CREATE SCHEMA skewed_clock")
            try await app.execute(
                "CREATE FUNCTION skewed_clock.now() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT pg_catalog.now() - interval '10 days' $$"
            )
            try await app.execute(
                "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = public, skewed_clock, pg_catalog', current_database()); END $$"
            )
            let host = Date()
            try await app.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, created_at timestamptz NOT NULL)")
            try await app.execute(
                "INSERT INTO events VALUES (1, \(bind: host.addingTimeInterval(-35 * 86_400))), (2, \(bind: host.addingTimeInterval(-45 * 86_400)))"
            )
            let job = PurgeJob(
                database: "app",
                targets: [.init(table: try SQLName("events"), timestampColumn: "created_at", olderThan: .seconds(30 * 86_400))])
            // By the database's clock the cutoff is 40 days before the host's now: only row 2 is older.
            let details = try await job.body(registry: app.registry)(context())
            #expect(details["events_deleted"] == 1)
            #expect(try await app.integer("SELECT min(id) AS n FROM events") == 1)
        }
    }

    @Test("a job named like a folder of its own stays inside the archive folder")
    func jobNamesStayInside() throws {
        for name in [".", "..", "a/../../b"] {
            let job = JobContext(
                jobName: name, runID: .version7(), attempt: 1, scheduledFor: nil, isDryRun: false, window: nil, params: [:],
                logger: Logger(label: "test"), progress: { _ in })
            let path = PurgeJob.archivePath(folder: "/archive", context: job, table: try SQLName("t"), at: Date())
            let parts = path.split(separator: "/")
            #expect(parts.count == 3 && !parts.contains("..") && !parts.contains("."), "\(path)")
        }
    }

    @Test("a where condition narrows the purge; several tables in one job", arguments: TestStoreKind.available)
    func filtersAndSeveralTables(kind: TestStoreKind) async throws {
        try await AppDatabase.with(kind) { app in
            let now = Date()
            try await fillEvents(app, now: now)
            // With an index on the time column, PostgreSQL chunks walk that column instead of the key.
            try await app.execute("CREATE INDEX api_events_created ON api_events (created_at)")
            try await app.execute("CREATE TABLE rollups (bucket \(unsafeRaw: app.timeType) NOT NULL, total INTEGER)")
            try await app.execute(
                "INSERT INTO rollups VALUES (\(bind: app.time(now.addingTimeInterval(-400 * 86_400))), 1), (\(bind: app.time(now)), 2)"
            )
            let job = PurgeJob(
                database: "app",
                targets: [
                    .init(
                        table: try SQLName("api_events"), timestampColumn: "created_at", olderThan: .seconds(90 * 86_400),
                        filter: "kind = 'debug'", batchSize: 10),
                    .init(table: try SQLName("rollups"), timestampColumn: "bucket", olderThan: .seconds(365 * 86_400)),
                ])
            let details = try await job.body(registry: app.registry)(context())
            #expect(details == ["api_events_deleted": 110, "rollups_deleted": 1])
            #expect(try await app.integer("SELECT count(*) AS n FROM api_events WHERE kind = 'info'") == 200)
        }
    }

    @Test("a missing table or column is an error that names it", arguments: TestStoreKind.available)
    func missingNames(kind: TestStoreKind) async throws {
        try await AppDatabase.with(kind) { app in
            try await fillEvents(app, now: Date())
            func purge(_ table: String, _ column: String) async throws {
                _ = try await PurgeJob(
                    database: "app",
                    targets: [.init(table: try SQLName(table), timestampColumn: column, olderThan: .seconds(86_400))]
                ).body(registry: app.registry)(context())
            }
            await #expect(throws: MaintenanceError.missingTable("nope", database: "app")) {
                try await purge("nope", "created_at")
            }
            do {
                try await purge("api_events", "createdAt")
                Issue.record("expected an error")
            } catch {
                #expect("\(error)" == "table 'api_events' has no column 'createdAt' (columns: id, created_at, kind)")
            }
            #expect(throws: MaintenanceError.invalidName("a;drop")) { try SQLName("a;drop") }
        }
    }

    @Test("expire deletes rows whose expiry has passed; a dry run counts them", arguments: TestStoreKind.available)
    func expires(kind: TestStoreKind) async throws {
        try await AppDatabase.with(kind) { app in
            let now = Date()
            try await app.execute("CREATE TABLE sessions (token TEXT PRIMARY KEY, expires_at \(unsafeRaw: app.timeType))")
            let rows: [SQLQueryString] = (0..<50).map {
                "(\(literal: "s\($0)"), \(bind: app.time(now.addingTimeInterval(Double($0 - 30) * 60 + 30))))"
            }
            try await app.execute("INSERT INTO sessions VALUES " + rows.joined(separator: ", ") + ", ('forever', NULL)")
            let job = ExpireJob(database: "app", table: try SQLName("sessions"), expiresAtColumn: "expires_at", batchSize: 7)
            #expect(try await job.body(registry: app.registry)(context(dryRun: true)) == ["expiredCount": 30, "dryRun": true])
            #expect(try await job.body(registry: app.registry)(context()) == ["expiredCount": 30])
            #expect(try await app.integer("SELECT count(*) AS n FROM sessions") == 21)
        }
    }
}

/// The text of a gzip file, read with the system's `gzip`.
func gunzip(_ path: String) async throws -> String {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("gunzip-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: output) }
    let process = try TestProcess("/bin/sh", ["-c", "gzip -dc \"$0\"", path], output: output)
    defer { process.kill() }
    _ = try await process.exitStatus()
    return try String(contentsOfFile: output, encoding: .utf8)
}

@Suite struct ReadOnlyDryRunTests {
    @Test(
        "dry runs of purge, expire, rollup and counter-flush succeed as a role that may only SELECT, and change nothing",
        .requiresPostgres)
    func readOnlyRole() async throws {
        try await AppDatabase.with(.postgres) { app in
            guard case .postgres(let host, let port, _, _, let database, _) = try DatabaseURL(app.url) else {
                Issue.record("the app database is not PostgreSQL: \(app.url)")
                return
            }
            let role = "reader_\(UUID().uuidString.prefix(8).lowercased())"
            try await app.execute(
                "CREATE TABLE api_events (id bigserial PRIMARY KEY, tenant_id text, status int, created_at timestamptz NOT NULL)")
            try await app.execute(
                "INSERT INTO api_events (tenant_id, status, created_at) SELECT 't' || (i % 3), 200, now() - i * interval '1 day' - interval '1 hour' FROM generate_series(1, 200) i"
            )
            try await app.execute("CREATE ROLE \(unsafeRaw: role) LOGIN")
            try await app.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(unsafeRaw: role)")
            let registry = DatabaseRegistry(
                urls: ["app": "postgres://\(role)@\(host):\(port)/\(database ?? "")"],
                redisURLs: TestServices.shouldRun(.redis) ? ["r": try TestRedis.url()] : [:],
                logger: Logger(label: "read-only"))
            do {
                let table = try SQLName("api_events")
                let purge = try await PurgeJob(
                    database: "app",
                    targets: [.init(table: table, timestampColumn: "created_at", olderThan: .seconds(90 * 86_400))]
                ).body(registry: registry)(context(dryRun: true))
                #expect(purge == ["api_events_to_delete": 111, "dryRun": true])
                let expire = try await ExpireJob(database: "app", table: table, expiresAtColumn: "created_at").body(
                    registry: registry)(
                        context(dryRun: true))
                #expect(expire == ["expiredCount": 200, "dryRun": true])
                let rollup = try await RollupJob(
                    database: "app", source: table, timestampColumn: "created_at", groupBy: ["tenant_id"],
                    granularities: [.day, .month],
                    target: try SQLName("events_rollup"), measures: [RollupMeasure(name: "n", aggregate: .count)],
                    timeZone: TimeZone(identifier: "UTC")!
                ).body(registry: registry)(context(dryRun: true))
                #expect(rollup["dailyBuckets"] == 200 && rollup["dryRun"] == true)
                if TestServices.shouldRun(.redis) {
                    let flush = try await CounterFlushJob(
                        database: "app", redis: "r", pattern: try CounterKeyPattern("nothing-\(role):{k}:{date}"),
                        table: try SQLName("counts")
                    ).body(registry: registry)(context(dryRun: true))
                    #expect(flush == ["processedKeys": 0, "upserts": 0, "dryRun": true])
                }
                #expect(try await app.integer("SELECT count(*) AS n FROM api_events") == 200)
                #expect(
                    try await app.integer(
                        "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'nightshift%'")
                        == 1)
            } catch {
                Issue.record("\(error)")
            }
            await registry.closeAll()
            try await app.execute("DROP OWNED BY \(unsafeRaw: role)")
            try await app.execute("DROP ROLE \(unsafeRaw: role)")
        }
    }
}
