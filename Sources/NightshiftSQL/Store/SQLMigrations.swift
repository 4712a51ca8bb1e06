import Foundation
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
        Migration(version: 3) { dialect in
            guard dialect.flavor == .postgres else { return [] }
            // The runnable runs a claim takes, walked in the order of the partial runnable index.
            // Right after a burst of enqueues the table's statistics still say "almost nothing
            // queued", and the planner then sorted the whole queue on every claim (25-50 ms per
            // claim at 20,000 queued, measured). Planner settings pinned on the function keep the
            // ordered index walk, which stops after `max_runs` rows whatever the statistics say;
            // JIT is off because the disabled paths' cost penalty would otherwise trigger it.
            return [
                """
                CREATE FUNCTION nightshift_runnable(jobs text[], queues text[], queues_excluded boolean, max_runs integer)
                RETURNS SETOF text LANGUAGE sql ROWS 100
                SET enable_sort = off SET enable_bitmapscan = off SET enable_seqscan = off SET jit = off
                AS $$
                    SELECT r.id FROM nightshift_runs r
                    WHERE r.status = 'queued' AND r.run_after <= now() AND r.job = ANY(jobs)
                      AND (r.queue = ANY(queues)) <> queues_excluded
                      AND r.job NOT IN (SELECT name FROM nightshift_jobs WHERE paused)
                      AND r.queue NOT IN (SELECT name FROM nightshift_queues WHERE paused)
                    ORDER BY r.priority, r.run_after, r.id
                    LIMIT max_runs
                    FOR UPDATE SKIP LOCKED
                $$
                """
            ]
        },
        Migration(version: 4) { _ in
            // Enqueued runs have no scheduled fire: leaving them out of the fire index spares
            // every enqueue an index entry (15% of a 20,000-run batch insert, measured).
            [
                "DROP INDEX nightshift_runs_fire",
                "CREATE UNIQUE INDEX nightshift_runs_fire ON nightshift_runs (job, scheduled_for) WHERE scheduled_for IS NOT NULL",
            ]
        },
        Migration(version: 5) { dialect in
            guard dialect.flavor == .postgres else { return [] }
            // The claim function resolves its table names through the caller's search_path: a
            // session whose path put another schema's nightshift_runs first would claim from it.
            // Pinned to the path the store was migrated with.
            return ["ALTER FUNCTION nightshift_runnable(text[], text[], boolean, integer) SET search_path FROM CURRENT"]
        },
    ]

    /// The newest version this build knows.
    static var latestVersion: Int { all.last?.version ?? 0 }

    /// Applies every missing migration. Two instances starting together serialize on a
    /// transaction-scoped advisory lock (PostgreSQL) or the write lock (SQLite).
    static func apply(on pool: SQLConnectionPool) async throws {
        try await pool.withTransaction { database in
            if pool.dialect.flavor == .postgres {
                try await database.raw("SELECT pg_advisory_xact_lock(7245983461)").run()
            }
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
        }
    }

    /// The versions applied so far; empty when the store was never migrated.
    static func appliedVersions(on pool: SQLConnectionPool) async throws -> Set<Int> {
        try await pool.withDatabase { database in
            let exists: Bool
            switch pool.dialect.flavor {
            case .postgres:
                exists =
                    try await database.raw("SELECT to_regclass('nightshift_migrations') IS NOT NULL AS present").first()?
                    .decode(column: "present", as: Bool.self) ?? false
            case .sqlite:
                exists =
                    try await database.raw(
                        "SELECT count(*) AS present FROM sqlite_master WHERE type = 'table' AND name = 'nightshift_migrations'"
                    ).first()?.decode(column: "present", as: Int.self) ?? 0 > 0
            }
            guard exists else { return [] }
            return Set(
                try await database.raw("SELECT version FROM nightshift_migrations").all().map {
                    try $0.decode(column: "version", as: Int.self)
                })
        }
    }
}
