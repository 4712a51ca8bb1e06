import Foundation
import Nightshift
import PostgresNIO
import NightshiftDatabase
import SQLKit

/// The job store's driver for PostgreSQL: the claim and the completion as single statements
/// with static binds (``PostgresQueueStatements``), batch inserts by `unnest`, `NOTIFY` for new
/// runs, and the claim function re-created at every migrate.
struct PostgresStoreDriver: SQLStoreDriver {
    /// One array element per run, as many as keep a statement's memory modest (about 10 MB).
    let enqueueChunk = 50_000

    /// PostgreSQL: one array per column, read by `unnest`, so the statement has the same 14
    /// parameters whatever the batch (measured: the JSON document this replaced cost PostgreSQL
    /// twice the insert itself to parse). It returns one row: the transaction's `now()`, which
    /// every inserted run has as `created_at` (and as `run_after` unless given), and the ids
    /// of the inserted runs that have a unique key; runs without one are always inserted.
    func insert(_ runs: [NewRun], at: Date?, on database: any SQLDatabase) async throws -> [Run] {
        let now: SQLQueryString = at.map { "CAST(\(bind: $0) AS timestamptz)" } ?? "now()"
        // Array elements cannot be NULL in the driver, so a bit mask per run says which
        // optional values are missing: 1 triggered_by, 2 run_after, 4 window, 8 unique_key.
        let missing = runs.map { run in
            (run.triggeredBy == nil ? 1 : 0) | (run.runAfter == nil ? 2 : 0) | (run.window == nil ? 4 : 0)
                | (run.uniqueKey == nil ? 8 : 0)
        }
        let unset = Date(timeIntervalSince1970: 0)
        let rows: SQLQueryString =
            """
            SELECT u.id, u.job, 'queued', u."trigger", CASE WHEN u.missing & 1 = 0 THEN u.triggered_by END, 1, u.max_attempts,
                   CASE WHEN u.missing & 2 = 0 THEN u.run_after ELSE \(now) END, \(now), u.params,
                   CASE WHEN u.missing & 4 = 0 THEN u.window_from END, CASE WHEN u.missing & 4 = 0 THEN u.window_to END,
                   u.dry_run, u.priority, u.queue, CASE WHEN u.missing & 8 = 0 THEN u.unique_key END
            FROM unnest(
                CAST(\(bind: EncodedArray(runs.map { $0.id.lowercasedText })) AS text[]),
                CAST(\(bind: EncodedArray(runs.map(\.job))) AS text[]),
                CAST(\(bind: EncodedArray(runs.map(\.trigger.rawValue))) AS text[]),
                CAST(\(bind: EncodedArray(runs.map { $0.triggeredBy ?? "" })) AS text[]),
                CAST(\(bind: EncodedArray(runs.map(\.maxAttempts))) AS integer[]),
                CAST(\(bind: EncodedArray(runs.map { $0.runAfter ?? unset })) AS timestamptz[]),
                CAST(\(bind: EncodedArray(runs.map(\.params.jsonText))) AS text[]),
                CAST(\(bind: EncodedArray(runs.map { $0.window?.from ?? unset })) AS timestamptz[]),
                CAST(\(bind: EncodedArray(runs.map { $0.window?.to ?? unset })) AS timestamptz[]),
                CAST(\(bind: EncodedArray(runs.map(\.dryRun))) AS boolean[]),
                CAST(\(bind: EncodedArray(runs.map(\.priority))) AS integer[]),
                CAST(\(bind: EncodedArray(runs.map(\.queue))) AS text[]),
                CAST(\(bind: EncodedArray(runs.map { $0.uniqueKey ?? "" })) AS text[]),
                CAST(\(bind: EncodedArray(missing)) AS integer[])
            ) AS u(id, job, "trigger", triggered_by, max_attempts, run_after, params, window_from, window_to, dry_run,
                   priority, queue, unique_key, missing)
            """
        guard
            let summary = try await database.raw(
                """
                WITH inserted AS (\(SQLJobStore.insertStatement(rows)) RETURNING id, unique_key)
                SELECT \(now) AS now, coalesce(array_agg(id) FILTER (WHERE unique_key IS NOT NULL), '{}') AS keyed FROM inserted
                """
            ).first()
        else { throw SQLStoreError.malformedRow("the enqueue summary row is missing") }
        let insertedAt = try summary.decode(column: "now", as: Date.self)
        let keyed = Set(try summary.decode(column: "keyed", as: [String].self))
        // Delivered at commit: idle workers on every instance start at once, not at their next poll.
        try await announceNewRuns(on: database)
        return runs.compactMap { run in
            guard run.uniqueKey == nil || keyed.contains(run.id.lowercasedText) else { return nil }
            let window = run.window.map { DateWindow(from: Self.storedPrecision($0.from), to: Self.storedPrecision($0.to)) }
            return SQLJobStore.queuedRun(
                run, runAfter: run.runAfter.map(Self.storedPrecision) ?? insertedAt, createdAt: insertedAt, window: window)
        }
    }

    /// A date as a PostgreSQL timestamp stores it (whole microseconds since 2000, as the driver
    /// encodes it), so a run built from its request equals the run read back.
    static func storedPrecision(_ date: Date) -> Date {
        let start = Date(timeIntervalSince1970: 946_684_800)
        return Date(timeInterval: Double(Int64(date.timeIntervalSince(start) * 1_000_000)) / 1_000_000, since: start)
    }

    func announceNewRuns(on database: any SQLDatabase) async throws {
        try await database.raw("SELECT pg_notify(\(bind: SQLJobStore.newRunsChannel), '')").run()
    }

    func claim(limit: Int, jobs: [String], queues: QueueFilter, worker: String, store: SQLJobStore) async throws -> [Run] {
        // The queues named, and whether they are the ones to skip (`.any` skips none).
        let (names, excluded): ([String], Bool)
        switch queues {
        case .any: (names, excluded) = ([], true)
        case .only(let only): (names, excluded) = (only, false)
        case .excluding(let skipped): (names, excluded) = (skipped, true)
        }
        var binds = PostgresBindings(capacity: 6)
        binds.append(worker)
        binds.append(jobs)
        binds.append(names)
        binds.append(excluded)
        binds.append(limit)
        Self.appendTime(store.clock?.now, to: &binds)
        let rows = try await store.pool.postgresRows(PostgresQuery(unsafeSQL: PostgresQueueStatements.boundClaim, binds: binds))
        return try await store.readRuns(rows, id: { try? $0.makeRandomAccess()[0].decode(String.self) }, keepRepaired: false) {
            row throws(UnreadableColumn) in try Run(claimedRow: row, worker: worker)
        }
    }

    /// Every kind of ending in one statement (see ``PostgresQueueStatements``).
    func complete(_ completions: [RunCompletion], store: SQLJobStore) async throws -> Set<UUID> {
        guard !completions.isEmpty else { return [] }
        var statuses: [String] = []
        var delays: [Double] = []
        for completion in completions {
            switch completion.outcome {
            case .succeeded:
                statuses.append(RunStatus.succeeded.rawValue)
                delays.append(0)
            case .retry(let backoff):
                statuses.append(RunStatus.queued.rawValue)
                delays.append(backoff.inSeconds)
            case .finished(let status):
                statuses.append(status.rawValue)
                delays.append(0)
            }
        }
        var binds = PostgresBindings(capacity: 9)
        binds.append(completions.map(\.runID.lowercasedText))
        binds.append(completions.map(\.attempt))
        binds.append(statuses)
        binds.append(delays)
        binds.append(completions.map(\.details.jsonText))
        binds.append(completions.map { $0.error ?? "" })
        binds.append(completions.map { $0.error != nil })
        binds.append(completions.map { $0.output ?? "" })
        Self.appendTime(store.clock?.now, to: &binds)
        let answer = try await store.pool.postgresRows(
            PostgresQuery(unsafeSQL: PostgresQueueStatements.boundCompletion, binds: binds))
        let refused = try answer.first?.decode([String].self) ?? []
        return Set(completions.map(\.runID)).subtracting(refused.compactMap { UUID(text: $0) })
    }

    /// Binds `time`, or NULL for the database's clock.
    private static func appendTime(_ time: Date?, to binds: inout PostgresBindings) {
        if let time { binds.append(time) } else { binds.appendNull() }
    }

    func epochSeconds(_ column: String) -> SQLQueryString {
        // extract() answers numeric; double precision decodes as Double and sums as one.
        "CAST(extract(epoch FROM \(unsafeRaw: column)) AS double precision)"
    }

    /// A lateral join over the names: one short statement to plan, whatever the number of jobs
    /// (a `UNION ALL` of 200 parts took 20 ms to plan).
    func newestRuns(of jobs: [String], limit: Int) -> SQLQueryString {
        """
        SELECT j.job, r.id, r.status, r.created_at FROM unnest(CAST(\(bind: EncodedArray(jobs)) AS text[])) AS j(job)
        CROSS JOIN LATERAL (SELECT id, status, created_at FROM nightshift_runs WHERE job = j.job
            ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)) AS r
        """
    }

    func bucketStart(_ value: SQLQueryString, bucket: Int) -> SQLQueryString {
        "(floor(\(value) / \(unsafeRaw: String(bucket))) * \(unsafeRaw: String(bucket)))"
    }

    func idNotIn(_ ids: [String]) -> SQLQueryString {
        "NOT (id = ANY(CAST(\(bind: EncodedArray(ids)) AS text[])))"
    }

    func hasMigrationsTable(on database: any SQLDatabase) async throws -> Bool {
        try await database.raw("SELECT to_regclass('nightshift_migrations') IS NOT NULL AS present").first()?
            .decode(column: "present", as: Bool.self) ?? false
    }

    func lockForMigration(on database: any SQLDatabase) async throws {
        try await database.raw("SELECT pg_advisory_xact_lock(7245983461)").run()
    }

    /// An earlier release's four-argument function is left in place: instances of that release
    /// may still be claiming through it while a rolling upgrade runs.
    func refreshDefinitions(on database: any SQLDatabase) async throws {
        try await database.raw(SQLQueryString(PostgresQueueStatements.runnableFunction)).run()
    }
}
