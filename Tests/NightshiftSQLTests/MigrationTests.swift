import Foundation
import Logging
import Nightshift
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import SQLKit
import Testing

@Suite struct MigrationTests {
    /// The definition of `index` as the database keeps it.
    func definition(of index: String, in test: TestStore) async throws -> String? {
        try await test.store.pool.withDatabase { database in
            let query: SQLQueryString =
                database.dialect.name == "sqlite"
                ? "SELECT sql AS definition FROM sqlite_master WHERE name = \(bind: index)"
                : "SELECT indexdef AS definition FROM pg_indexes WHERE indexname = \(bind: index)"
            return try await database.raw(query).first()?.decode(column: "definition", as: String.self)
        }
    }

    @Test(
        "a store migrated by an earlier release gets the later migrations, not only new stores",
        arguments: TestStoreKind.available)
    func upgradeFromVersion3(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            #expect(try await definition(of: "nightshift_runs_fire", in: test)?.contains("WHERE") == true)
            // The schema as version 3 left it (the release before the fire index became partial).
            try await test.store.pool.withDatabase { database in
                try await database.raw("DROP INDEX nightshift_runs_fire").run()
                try await database.raw("CREATE UNIQUE INDEX nightshift_runs_fire ON nightshift_runs (job, scheduled_for)").run()
                try await database.raw("ALTER TABLE nightshift_attempts DROP COLUMN output").run()
                for column in ["registered_at", "missed_fires", "missed_first", "missed_last", "missed_reason"] {
                    try await database.raw("ALTER TABLE nightshift_jobs DROP COLUMN \(unsafeRaw: column)").run()
                }
                for column in ["acquired_at", "gap_from"] {
                    try await database.raw("ALTER TABLE nightshift_leases DROP COLUMN \(unsafeRaw: column)").run()
                }
                try await database.raw("DROP TABLE nightshift_incidents").run()
                try await database.raw("DROP TABLE nightshift_notifications").run()
                try await database.raw("DROP INDEX nightshift_runs_job_finished").run()
                try await database.raw("DROP INDEX nightshift_runs_failures").run()
                try await database.raw("DROP TABLE nightshift_instances").run()
                for table in [
                    "nightshift_run_statistics", "nightshift_failure_statistics", "nightshift_queue_statistics",
                    "nightshift_statistics_mark", "nightshift_revoked_sessions",
                ] {
                    try await database.raw("DROP TABLE \(unsafeRaw: table)").run()
                }
                try await database.raw("DROP INDEX nightshift_runs_queued_queue").run()
                try await database.raw("DROP INDEX nightshift_runs_job_created").run()
                try await database.raw("CREATE INDEX nightshift_runs_job_created ON nightshift_runs (job, created_at)").run()
                try await database.raw("DELETE FROM nightshift_migrations WHERE version > 3").run()
            }
            #expect(try await !test.store.isMigrated())
            try await test.store.migrate()
            #expect(try await test.store.isMigrated())
            let upgraded = try await definition(of: "nightshift_runs_fire", in: test)
            #expect(upgraded?.contains("scheduled_for IS NOT NULL") == true, "\(upgraded ?? "no index")")
            // Version 6: attempts keep their output.
            try await test.store.pool.withDatabase { database in
                _ = try await database.raw("SELECT output FROM nightshift_attempts").all()
                // Version 7: alerts.
                _ = try await database.raw("SELECT id FROM nightshift_incidents").all()
                _ = try await database.raw("SELECT registered_at, missed_fires FROM nightshift_jobs").all()
                // Version 8: the dashboard's instances.
                _ = try await database.raw("SELECT id, heartbeat_at FROM nightshift_instances").all()
                // Version 9: kept statistics.
                _ = try await database.raw("SELECT mark FROM nightshift_statistics_mark").all()
                _ = try await database.raw("SELECT runs FROM nightshift_run_statistics").all()
                _ = try await database.raw("SELECT runs FROM nightshift_failure_statistics").all()
                _ = try await database.raw("SELECT runs FROM nightshift_queue_statistics").all()
                _ = try await database.raw("SELECT expires_at FROM nightshift_revoked_sessions").all()
            }
            #expect(try await definition(of: "nightshift_runs_job_created", in: test)?.contains("status") == true)
        }
    }

    @Test(
        "the claim function resolves its tables with the search path it was migrated with",
        .requiresPostgres)
    func claimFunctionPinsItsSearchPath() async throws {
        try await withTestStore(.postgres) { test in
            let config = try await test.store.pool.withDatabase { database in
                try await database.raw(
                    "SELECT array_to_string(proconfig, ',') AS config FROM pg_proc WHERE proname = 'nightshift_runnable'"
                ).first()?.decode(column: "config", as: String.self)
            }
            #expect(config?.contains("search_path=") == true, "\(config ?? "no function")")
        }
    }
}
