import Foundation
import Logging
import Nightshift
import NightshiftJobKinds
import NightshiftTestSupport
import NightshiftTesting
import SQLKit
import Testing

@Suite struct SQLStatementJobTests {
    @Test("reports rows affected, or the first row; a dry run changes nothing", arguments: TestStoreKind.available)
    func statement(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let registry = DatabaseRegistry(urls: ["app": test.url], logger: Logger(label: "sql-job-test"))
            func run(_ sql: String, dryRun: Bool = false) async throws -> JSONObject {
                try await SQLStatementJob(database: "app", sql: sql).body(registry: registry)(context(dryRun: dryRun))
            }
            _ = try await run("CREATE TABLE logs (id INTEGER PRIMARY KEY, age INTEGER NOT NULL)")
            #expect(try await run("INSERT INTO logs (id, age) VALUES (1, 1), (2, 5), (3, 9)") == ["rowsAffected": 3])
            #expect(try await run("DELETE FROM logs WHERE age > 4", dryRun: true) == ["rowsAffected": 2, "dryRun": true])
            #expect(try await run("SELECT count(*) AS remaining FROM logs") == ["remaining": 3])
            #expect(try await run("DELETE FROM logs WHERE age > 4") == ["rowsAffected": 2])
            #expect(try await run("SELECT count(*) AS remaining, max(age) AS oldest FROM logs") == ["remaining": 1, "oldest": 1])
            await #expect(throws: MaintenanceError.self) {
                try await SQLStatementJob(database: "missing", sql: "SELECT 1").body(registry: registry)(context())
            }
            await registry.closeAll()
        }
    }
}

@Suite struct BatchedSQLStatementJobTests {
    @Test(
        "a batched UPDATE walks the keys in ranges until they run out; a dry run changes nothing",
        arguments: TestStoreKind.available)
    func batches(kind: TestStoreKind) async throws {
        try await AppDatabase.with(kind) { app in
            try await app.execute(
                "CREATE TABLE reddit_users (id INTEGER PRIMARY KEY, karma_quality_score REAL, overall_user_score REAL, scraped INTEGER)"
            )
            let rows: [SQLQueryString] = (1...2500).map {
                "(\(literal: $0 * 3), \(literal: Double($0 % 10)), NULL, \(literal: $0 % 2))"
            }
            try await app.execute("INSERT INTO reddit_users VALUES " + rows.joined(separator: ", "))
            let job = SQLStatementJob(
                database: "app",
                sql: "UPDATE reddit_users SET overall_user_score = karma_quality_score * 0.3 WHERE {batch} AND scraped = 1",
                batching: .init(table: try SQLName("reddit_users"), key: "id", size: 1000))
            #expect(
                try await job.body(registry: app.registry)(context(dryRun: true)) == [
                    "rowsAffected": 1250, "batches": 3, "dryRun": true,
                ])
            #expect(try await app.integer("SELECT count(*) AS n FROM reddit_users WHERE overall_user_score IS NOT NULL") == 0)
            #expect(try await job.body(registry: app.registry)(context()) == ["rowsAffected": 1250, "batches": 3])
            #expect(try await app.integer("SELECT count(*) AS n FROM reddit_users WHERE overall_user_score IS NOT NULL") == 1250)
        }
    }

    @Test("text keys are bound, quotes and all, not spliced into the statement", arguments: TestStoreKind.available)
    func textKeys(kind: TestStoreKind) async throws {
        try await AppDatabase.with(kind) { app in
            try await app.execute("CREATE TABLE handles (name TEXT PRIMARY KEY, seen INTEGER NOT NULL)")
            let names = ["a", "o'brien", "x'); DROP TABLE handles; --", "zz\\", "ünï"]
            let rows: [SQLQueryString] = names.map { "(\(bind: $0), 0)" }
            try await app.execute("INSERT INTO handles (name, seen) VALUES " + rows.joined(separator: ", "))
            let job = SQLStatementJob(
                database: "app", sql: "UPDATE handles SET seen = seen + 1 WHERE {batch}",
                batching: .init(table: try SQLName("handles"), key: "name", size: 2))
            #expect(try await job.body(registry: app.registry)(context()) == ["rowsAffected": 5, "batches": 3])
            #expect(try await app.integer("SELECT count(*) AS n FROM handles WHERE seen = 1") == 5)
        }
    }
}

@Suite struct SQLStatementTimeoutTests {
    @Test(
        "a statement past the job's timeout is cancelled on the server, and the connection is reusable",
        .requiresPostgres)
    func serverSideTimeout() async throws {
        try await withTestStore(.postgres) { test in
            let registry = DatabaseRegistry(urls: ["app": test.url], logger: Logger(label: "sql-job-test"))
            let marker = "nightshift_timeout_\(UInt32.random(in: 0...UInt32.max))"
            let job = SQLStatementJob(database: "app", sql: "SELECT pg_sleep(3600) AS \(marker)")
            let started = ContinuousClock.now
            // The engine abandons a job at its timeout; the statement used to run on meanwhile.
            let task = Task { try await job.body(registry: registry, statementTimeout: .milliseconds(500))(context()) }
            try await Task.sleep(for: .milliseconds(200))
            task.cancel()
            _ = await task.result
            var running = 1
            // The statement would run an hour: only its cancellation on the server ends it sooner.
            while running > 0, ContinuousClock.now - started < .seconds(120) {
                try await Task.sleep(for: .milliseconds(100))
                running = try await test.store.pool.withDatabase { database in
                    try await database.raw(
                        "SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE \(bind: "%" + marker + "%") AND state = 'active' AND pid <> pg_backend_pid()"
                    ).first()?.decode(column: "n", as: Int.self) ?? 0
                }
            }
            #expect(running == 0)
            // The pooled connection is back at the server's default: a slower statement without a timeout still runs.
            let fine = try await SQLStatementJob(database: "app", sql: "SELECT pg_sleep(0.7) IS NULL AS slept").body(
                registry: registry)(context())
            #expect(fine == ["slept": false])
            await registry.closeAll()
        }
    }
}
