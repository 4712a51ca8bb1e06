import Foundation
import NightshiftDatabase
import SQLKit

/// The versioned schema of the store. Each migration is a list of statements applied in one
/// transaction together with its row in `nightshift_migrations`; a new version is appended,
/// never edited.
enum SQLMigrations {
    /// One schema version.
    struct Migration: Sendable {
        let version: Int
        let statements: @Sendable (SQLDialectFragments) -> [String]
    }

    static let all: [Migration] = [
        Migration(version: 1) { dialect in
            let ts = dialect.timestampType
            let bool = dialect.booleanType
            return [
                """
                CREATE TABLE nightshift_jobs (
                    name TEXT PRIMARY KEY,
                    enabled \(bool) NOT NULL DEFAULT TRUE,
                    paused \(bool) NOT NULL DEFAULT FALSE,
                    schedule TEXT,
                    description TEXT NOT NULL DEFAULT '',
                    consecutive_errors INTEGER NOT NULL DEFAULT 0,
                    last_success_at \(ts),
                    last_failure_at \(ts),
                    last_error TEXT,
                    watermark \(ts),
                    updated_at \(ts)
                )
                """,
                """
                CREATE TABLE nightshift_runs (
                    id TEXT PRIMARY KEY,
                    job TEXT NOT NULL,
                    status TEXT NOT NULL,
                    "trigger" TEXT NOT NULL,
                    triggered_by TEXT,
                    scheduled_for \(ts),
                    attempt INTEGER NOT NULL DEFAULT 1,
                    max_attempts INTEGER NOT NULL DEFAULT 1,
                    priority INTEGER NOT NULL DEFAULT 0,
                    queue TEXT NOT NULL DEFAULT 'default',
                    run_after \(ts) NOT NULL,
                    created_at \(ts) NOT NULL,
                    started_at \(ts),
                    ended_at \(ts),
                    heartbeat_at \(ts),
                    worker TEXT,
                    progress INTEGER NOT NULL DEFAULT 0,
                    params TEXT NOT NULL DEFAULT '{}',
                    window_from \(ts),
                    window_to \(ts),
                    dry_run \(bool) NOT NULL DEFAULT FALSE,
                    details TEXT NOT NULL DEFAULT '{}',
                    error TEXT,
                    cancel_requested \(bool) NOT NULL DEFAULT FALSE
                )
                """,
                // One run per scheduled fire, whatever the number of schedulers: NULLs (manual
                // runs) never conflict.
                "CREATE UNIQUE INDEX nightshift_runs_fire ON nightshift_runs (job, scheduled_for)",
                // Serves the claim's ORDER BY; finished runs are not in it, so claims stay fast
                // however long the history grows.
                "CREATE INDEX nightshift_runs_runnable ON nightshift_runs (priority, run_after, id) WHERE status = 'queued'",
                // Serves orphan rescue and heartbeats.
                "CREATE INDEX nightshift_runs_running ON nightshift_runs (heartbeat_at) WHERE status = 'running'",
                "CREATE INDEX nightshift_runs_job_created ON nightshift_runs (job, created_at)",
                "CREATE INDEX nightshift_runs_created ON nightshift_runs (created_at)",
                """
                CREATE TABLE nightshift_attempts (
                    run_id TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    outcome TEXT NOT NULL,
                    worker TEXT,
                    started_at \(ts),
                    ended_at \(ts) NOT NULL,
                    error TEXT,
                    PRIMARY KEY (run_id, attempt)
                )
                """,
                """
                CREATE TABLE nightshift_leases (
                    name TEXT PRIMARY KEY,
                    holder TEXT NOT NULL,
                    expires_at \(ts) NOT NULL
                )
                """,
            ]
        },
        Migration(version: 2) { dialect in
            [
                "ALTER TABLE nightshift_runs ADD COLUMN unique_key TEXT",
                // At most one active run per key; finished runs free their key.
                """
                CREATE UNIQUE INDEX nightshift_runs_unique_key ON nightshift_runs (unique_key)
                WHERE unique_key IS NOT NULL AND status IN ('queued', 'running')
                """,
                "CREATE TABLE nightshift_queues (name TEXT PRIMARY KEY, paused \(dialect.booleanType) NOT NULL DEFAULT FALSE)",
                // Serves the pruner: finished runs by age.
                "CREATE INDEX nightshift_runs_finished ON nightshift_runs (ended_at) WHERE status NOT IN ('queued', 'running')",
            ]
        },
        // Version 3 created PostgreSQL's claim function; the driver now re-creates it at every
        // migrate, beside the claim (`PostgresQueueStatements.runnableFunction`).
        Migration(version: 3) { _ in [] },
        Migration(version: 4) { _ in
            // Enqueued runs have no scheduled fire: leaving them out of the fire index spares
            // every enqueue an index entry (15% of a 20,000-run batch insert, measured).
            [
                "DROP INDEX nightshift_runs_fire",
                "CREATE UNIQUE INDEX nightshift_runs_fire ON nightshift_runs (job, scheduled_for) WHERE scheduled_for IS NOT NULL",
            ]
        },
        // Version 5 pinned the claim function's search_path; the re-created function has it.
        Migration(version: 5) { _ in [] },
        // Each attempt keeps its output tail, whatever its ending.
        Migration(version: 6) { _ in ["ALTER TABLE nightshift_attempts ADD COLUMN output TEXT"] },
        // Alerts: incidents and their outbox of notifications; what conditions are judged on.
        Migration(version: 7) { dialect in
            let ts = dialect.timestampType
            return [
                // When a job was first seen: its `expect_success_within` counts from there until
                // it succeeds. Jobs registered before this version count from the migration.
                "ALTER TABLE nightshift_jobs ADD COLUMN registered_at \(ts)",
                "UPDATE nightshift_jobs SET registered_at = \(dialect.now)",
                // Fires never run, counted in the statement that records them as skipped, until a
                // `missed` alert accounts for them.
                "ALTER TABLE nightshift_jobs ADD COLUMN missed_fires INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE nightshift_jobs ADD COLUMN missed_first \(ts)",
                "ALTER TABLE nightshift_jobs ADD COLUMN missed_last \(ts)",
                "ALTER TABLE nightshift_jobs ADD COLUMN missed_reason TEXT",
                // When the holder took the lease, and a leaderless gap not yet alerted on.
                "ALTER TABLE nightshift_leases ADD COLUMN acquired_at \(ts)",
                "ALTER TABLE nightshift_leases ADD COLUMN gap_from \(ts)",
                """
                CREATE TABLE nightshift_incidents (
                    id TEXT PRIMARY KEY,
                    subject TEXT NOT NULL,
                    condition TEXT NOT NULL,
                    opened_at \(ts) NOT NULL,
                    resolved_at \(ts),
                    detail TEXT NOT NULL DEFAULT '{}'
                )
                """,
                // One open incident per subject and condition, whatever the number of instances.
                "CREATE UNIQUE INDEX nightshift_incidents_open ON nightshift_incidents (subject, condition) WHERE resolved_at IS NULL",
                "CREATE INDEX nightshift_incidents_opened ON nightshift_incidents (opened_at)",
                """
                CREATE TABLE nightshift_notifications (
                    id TEXT PRIMARY KEY,
                    incident_id TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    created_at \(ts) NOT NULL,
                    deliver_after \(ts) NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    delivered_at \(ts),
                    failed_at \(ts),
                    last_error TEXT
                )
                """,
                // Serves the delivery loop: only undelivered notifications are in it.
                """
                CREATE INDEX nightshift_notifications_due ON nightshift_notifications (deliver_after)
                WHERE delivered_at IS NULL AND failed_at IS NULL
                """,
                "CREATE INDEX nightshift_notifications_incident ON nightshift_notifications (incident_id)",
            ]
        },
        // The dashboard: each job's newest finished run by index, recent failures by index, and
        // the instances with their heartbeats.
        Migration(version: 8) { dialect in
            let ts = dialect.timestampType
            return [
                """
                CREATE INDEX nightshift_runs_job_finished ON nightshift_runs (job, ended_at)
                WHERE status NOT IN ('queued', 'running', 'skipped')
                """,
                "CREATE INDEX nightshift_runs_failures ON nightshift_runs (created_at) WHERE status IN ('failed', 'discarded')",
                """
                CREATE TABLE nightshift_instances (
                    id TEXT PRIMARY KEY,
                    host TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    version TEXT NOT NULL,
                    concurrency INTEGER NOT NULL,
                    running INTEGER NOT NULL,
                    started_at \(ts) NOT NULL,
                    heartbeat_at \(ts) NOT NULL,
                    stopped_at \(ts)
                )
                """,
            ]
        },
        // The dashboard at scale: run statistics kept per minute and per hour, failures per hour
        // and each queue's finished runs per minute, by the engines (times as Unix seconds, histograms as text, the same in every
        // store), and each queue's waiting runs in its own index range.
        Migration(version: 9) { _ in
            [
                """
                CREATE TABLE nightshift_run_statistics (
                    size INTEGER NOT NULL,
                    bucket_start DOUBLE PRECISION NOT NULL,
                    status TEXT NOT NULL,
                    runs BIGINT NOT NULL,
                    run_seconds DOUBLE PRECISION NOT NULL,
                    wait_seconds DOUBLE PRECISION NOT NULL,
                    run_histogram TEXT NOT NULL,
                    wait_histogram TEXT NOT NULL,
                    PRIMARY KEY (size, bucket_start, status)
                )
                """,
                """
                CREATE TABLE nightshift_failure_statistics (
                    bucket_start DOUBLE PRECISION NOT NULL,
                    job TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    runs BIGINT NOT NULL,
                    newest_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (bucket_start, job, fingerprint)
                )
                """,
                """
                CREATE TABLE nightshift_queue_statistics (
                    bucket_start DOUBLE PRECISION NOT NULL,
                    queue TEXT NOT NULL,
                    runs BIGINT NOT NULL,
                    PRIMARY KEY (bucket_start, queue)
                )
                """,
                "CREATE TABLE nightshift_statistics_mark (id INTEGER PRIMARY KEY, mark DOUBLE PRECISION NOT NULL)",
                // Dashboard sessions ended by signing out, until they would have expired.
                "CREATE TABLE nightshift_revoked_sessions (id TEXT PRIMARY KEY, expires_at DOUBLE PRECISION NOT NULL)",
                "CREATE INDEX nightshift_runs_queued_queue ON nightshift_runs (queue, run_after) WHERE status = 'queued'",
                // Each job's newest runs with their status, from the index alone (the Jobs page's
                // strips, a job's runs): the id orders ties as the pages do.
                "DROP INDEX nightshift_runs_job_created",
                "CREATE INDEX nightshift_runs_job_created ON nightshift_runs (job, created_at, id, status)",
            ]
        },
    ]

    /// The newest version this build knows.
    static var latestVersion: Int { all.last?.version ?? 0 }

    /// Applies every missing migration, then has the driver re-create what it keeps besides
    /// tables. Two instances starting together serialize on the driver's lock (a
    /// transaction-scoped advisory lock on PostgreSQL, the write lock on SQLite).
    static func apply(on pool: SQLConnectionPool, driver: any SQLStoreDriver) async throws {
        try await pool.withTransaction { database in
            try await driver.lockForMigration(on: database)
            try await database.raw(
                "CREATE TABLE IF NOT EXISTS nightshift_migrations (version INTEGER PRIMARY KEY, applied_at \(unsafeRaw: pool.dialect.timestampType) NOT NULL)"
            ).run()
            let applied = Set(
                try await database.raw("SELECT version FROM nightshift_migrations").all().map {
                    try $0.decode(column: "version", as: Int.self)
                })
            for migration in all where !applied.contains(migration.version) {
                for statement in migration.statements(pool.dialect) {
                    try await database.raw(SQLQueryString(statement)).run()
                }
                try await database.raw(
                    "INSERT INTO nightshift_migrations (version, applied_at) VALUES (\(bind: migration.version), \(unsafeRaw: pool.dialect.now))"
                ).run()
            }
            try await driver.refreshDefinitions(on: database)
        }
    }

    /// The versions applied so far; empty when the store was never migrated.
    static func appliedVersions(on pool: SQLConnectionPool, driver: any SQLStoreDriver) async throws -> Set<Int> {
        try await pool.withDatabase { database in
            let exists = try await driver.hasMigrationsTable(on: database)
            guard exists else { return [] }
            return Set(
                try await database.raw("SELECT version FROM nightshift_migrations").all().map {
                    try $0.decode(column: "version", as: Int.self)
                })
        }
    }
}
