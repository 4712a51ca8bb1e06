import Foundation
import Logging
import Nightshift
import NightshiftDatabase
import SQLKit

/// The ``JobStore`` on PostgreSQL or SQLite through SQLKit: the same statements on both where
/// they can be, and a driver per database (``SQLStoreDriver``) for the claim, the completion,
/// batch inserts, announcements and migrating.
///
/// ```swift
/// let store = try await SQLJobStore.open("sqlite:./nightshift.db", logger: logger)
/// try await store.migrate()
/// ```
public final class SQLJobStore: JobStore {
    /// The connections the store uses; apps may share them, e.g. to enqueue inside their own transaction.
    public let pool: SQLConnectionPool
    var dialect: SQLDialectFragments { pool.dialect }
    /// The clock the store's statements read instead of the database's, for tests; nil in
    /// production, where the database's clock is the authority.
    let clock: (any EngineClock)?
    /// The store's clock, as SQL: the database's, or the test's time bound.
    var now: SQLQueryString { clock.map { "\(bind: $0.now)" } ?? "\(unsafeRaw: pool.dialect.now)" }

    /// What differs between the databases.
    let driver: any SQLStoreDriver

    /// A store over an open pool. Tests may pass `clock` for the store to use instead of the
    /// database's clock, so that leases, heartbeats, retries and retention age as the test
    /// moves it.
    public init(pool: SQLConnectionPool, clock: (any EngineClock)? = nil) {
        self.pool = pool
        self.clock = clock
        driver = SQLStoreDrivers.driver(for: pool.dialect)
    }

    /// Opens the store at `url` (see ``DatabaseURL``); `clock` as in ``init(pool:clock:)``.
    public static func open(_ url: String, logger: Logger, clock: (any EngineClock)? = nil) async throws -> SQLJobStore {
        SQLJobStore(pool: try await SQLConnectionPool.open(try DatabaseURL(url), logger: logger), clock: clock)
    }

    /// Opens the store at `url`, migrates it (or, with `migrating` false, checks that it is
    /// migrated, so that a role that may only read can use it), runs `body`, and closes it
    /// whether `body` returns or throws.
    public static func withStore<R>(
        _ url: String, logger: Logger, migrating: Bool = true, clock: (any EngineClock)? = nil,
        _ body: (SQLJobStore) async throws -> R
    ) async throws -> R {
        // Opening an SQLite file creates it: a command that only reads must not leave an empty
        // store behind a mistyped path, and says which path it looked for instead.
        if !migrating, case .sqlite(let path) = try DatabaseURL(url), path != ":memory:",
            !FileManager.default.fileExists(atPath: path)
        {
            throw SQLStoreError.missingStore(path: path)
        }
        let store = try await open(url, logger: logger, clock: clock)
        do {
            if migrating { try await store.migrate() } else { try await store.requireMigrated(url: url) }
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }

    /// `now + seconds`, by the store's clock.
    func now(plus seconds: Double) -> SQLQueryString {
        "(\(now) + \(bind: seconds)\(unsafeRaw: dialect.secondsUnit))"
    }

    public func migrate() async throws {
        try await pool.checkConnection()
        try await SQLMigrations.apply(on: pool, driver: driver)
    }

    public func isMigrated() async throws -> Bool {
        try await SQLMigrations.appliedVersions(on: pool, driver: driver).contains(SQLMigrations.latestVersion)
    }

    /// Throws ``SQLStoreError/notMigrated(_:)`` unless every migration this build knows is applied.
    func requireMigrated(url: String) async throws {
        // The pool waits for a connection forever; this fails at once when there is none.
        try await pool.checkConnection()
        let applied = try await SQLMigrations.appliedVersions(on: pool, driver: driver)
        guard !applied.contains(SQLMigrations.latestVersion) else { return }
        let state =
            applied.isEmpty
            ? "has no Nightshift tables yet" : "is at schema version \(applied.max() ?? 0) of \(SQLMigrations.latestVersion)"
        throw SQLStoreError.notMigrated(
            "the store \(URLPasswordMask.mask(url)) \(state); run 'nightshift migrate' (or start 'nightshift serve') with a role that may create tables"
        )
    }

    public func databaseNow() async throws -> Date {
        if let clock { return clock.now }
        return try await pool.databaseNow()
    }

    public func listenForNewRuns(_ wake: @escaping @Sendable () -> Void) async throws {
        try await pool.listen(on: Self.newRunsChannel, wake)
    }

    public func close() async {
        await pool.close()
    }

    // MARK: Jobs

    public func register(_ jobs: [JobRegistration]) async throws {
        guard !jobs.isEmpty else { return }
        var values: [SQLQueryString] = []
        for job in jobs {
            values.append(
                "(\(bind: job.name), \(bind: job.enabled), FALSE, \(bind: job.schedule), \(bind: job.description), 0, \(now), \(now))"
            )
        }
        let statement: SQLQueryString =
            """
            INSERT INTO nightshift_jobs (name, enabled, paused, schedule, description, consecutive_errors, updated_at,
                registered_at)
            VALUES \(values.joined(separator: ", "))
            ON CONFLICT (name) DO UPDATE SET enabled = excluded.enabled, schedule = excluded.schedule,
                description = excluded.description, updated_at = excluded.updated_at
            """
        try await pool.withDatabase { try await $0.raw(statement).run() }
    }

    public func jobStates() async throws -> [JobState] {
        try await pool.withDatabase { database in
            try await database.raw("SELECT * FROM nightshift_jobs ORDER BY name").all().map(JobState.init(row:))
        }
    }

    public func advanceWatermark(job: String, to fire: Date) async throws {
        try await pool.withDatabase { database in
            try await database.raw(
                """
                UPDATE nightshift_jobs SET watermark = \(bind: fire)
                WHERE name = \(bind: job) AND (watermark IS NULL OR watermark < \(bind: fire))
                """
            ).run()
        }
    }

    public func setPaused(job: String, paused: Bool) async throws -> Bool {
        try await pool.withDatabase { database in
            try await database.raw(
                "UPDATE nightshift_jobs SET paused = \(bind: paused), updated_at = \(now) WHERE name = \(bind: job) RETURNING name"
            ).first() != nil
        }
    }

    // MARK: Instances

    public func beat(_ instance: InstanceState, stopping: Bool) async throws {
        let stoppedAt: SQLQueryString = stopping ? now : "NULL"
        try await pool.withDatabase { database in
            try await database.raw(
                """
                INSERT INTO nightshift_instances (id, host, pid, version, concurrency, running, started_at, heartbeat_at, stopped_at)
                VALUES (\(bind: instance.id), \(bind: instance.host), \(bind: instance.pid), \(bind: instance.version),
                    \(bind: instance.concurrency), \(bind: instance.running), \(now), \(now), \(stoppedAt))
                ON CONFLICT (id) DO UPDATE SET running = excluded.running, heartbeat_at = excluded.heartbeat_at,
                    stopped_at = excluded.stopped_at
                """
            ).run()
            try await database.raw("DELETE FROM nightshift_instances WHERE heartbeat_at < \(now(plus: -86_400))").run()
        }
    }

    public func instances() async throws -> [InstanceState] {
        try await pool.withDatabase { database in
            try await database.raw("SELECT * FROM nightshift_instances ORDER BY heartbeat_at DESC, id").all().map { row in
                InstanceState(
                    id: try row.decode(column: "id", as: String.self), host: try row.decode(column: "host", as: String.self),
                    pid: try row.decode(column: "pid", as: Int.self), version: try row.decode(column: "version", as: String.self),
                    concurrency: try row.decode(column: "concurrency", as: Int.self),
                    running: try row.decode(column: "running", as: Int.self),
                    startedAt: try row.decode(column: "started_at", as: Date.self),
                    heartbeatAt: try row.decode(column: "heartbeat_at", as: Date.self),
                    stoppedAt: try row.decode(column: "stopped_at", as: Date?.self))
            }
        }
    }

    // MARK: Leases

    public func acquireLease(_ name: String, holder: String, duration: Duration) async throws -> Bool {
        try await pool.withDatabase { database in
            // Taken when free or expired, renewed when already ours; the expiry is written with
            // the database clock so that instances with skewed clocks agree. A lease taken after
            // more than two lease periods without a holder keeps where that gap began, for the
            // `no_leader` alert.
            try await database.raw(
                """
                INSERT INTO nightshift_leases (name, holder, expires_at, acquired_at)
                VALUES (\(bind: name), \(bind: holder), \(now(plus: duration.inSeconds)), \(now))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
                    acquired_at = CASE WHEN nightshift_leases.holder = excluded.holder AND nightshift_leases.expires_at >= \(now)
                        THEN nightshift_leases.acquired_at ELSE excluded.acquired_at END,
                    gap_from = CASE WHEN nightshift_leases.expires_at < \(now(plus: -2 * duration.inSeconds))
                        THEN nightshift_leases.expires_at ELSE nightshift_leases.gap_from END
                WHERE nightshift_leases.holder = excluded.holder OR nightshift_leases.expires_at < \(now)
                RETURNING holder
                """
            ).first() != nil
        }
    }

    public func leaseHolder(_ name: String) async throws -> String? {
        try await pool.withDatabase { database in
            try await database.raw(
                "SELECT holder FROM nightshift_leases WHERE name = \(bind: name) AND expires_at > \(now)"
            ).first()?.decode(column: "holder", as: String.self)
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await pool.withDatabase { database in
            try await database.raw(
                // The row stays, run out, so that the time of the last leader is known.
                "UPDATE nightshift_leases SET expires_at = \(now(plus: -0.001)) WHERE name = \(bind: name) AND holder = \(bind: holder)"
            ).run()
        }
    }
}
