import Foundation
import Nightshift
import PostgresNIO
import SQLKit

extension SQLJobStore {
    /// The PostgreSQL channel that announces new runs.
    public static let newRunsChannel = "nightshift_new_runs"

    static let activeStatuses: SQLQueryString = "('queued', 'running')"

    public func recordFires(_ fires: [ScheduledFire]) async throws -> [FireOutcome] {
        var outcomes: [FireOutcome] = []
        for fire in fires {
            outcomes.append(try await pool.withTransaction { database in try await self.record(fire, on: database) })
        }
        return outcomes
    }

    private func record(_ fire: ScheduledFire, on database: any SQLDatabase) async throws -> FireOutcome {
        let id = UUID.version7().lowercasedText
        let forbid = fire.overlap == .forbid
        // Under `forbid` the fire is still recorded, as `skipped`, so the history shows it. The
        // unique index on (job, scheduled_for) turns a second recording of the same fire, by
        // another instance or after a restart, into nothing.
        let inserted = try await database.raw(
            """
            WITH overlap AS (
                SELECT \(bind: forbid) AND EXISTS (
                    SELECT 1 FROM nightshift_runs WHERE job = \(bind: fire.job) AND status IN \(Self.activeStatuses)
                ) AS skip
            )
            INSERT INTO nightshift_runs (id, job, status, "trigger", scheduled_for, attempt, max_attempts, run_after,
                created_at, queue, ended_at, error)
            SELECT \(bind: id), \(bind: fire.job), CASE WHEN skip THEN 'skipped' ELSE 'queued' END, 'schedule',
                \(bind: fire.scheduledFor), 1, \(bind: fire.maxAttempts), \(now), \(now), \(bind: fire.queue),
                CASE WHEN skip THEN \(now) END,
                CASE WHEN skip THEN 'skipped: the previous run is still active (overlap: forbid)' END
            FROM overlap WHERE TRUE
            ON CONFLICT (job, scheduled_for) WHERE scheduled_for IS NOT NULL DO NOTHING
            RETURNING status
            """
        ).first()
        guard let inserted else { return .duplicate }
        if dialect.flavor == .postgres {
            try await database.raw("SELECT pg_notify(\(bind: Self.newRunsChannel), '')").run()
        }
        if fire.overlap == .replace {
            try await cancelActiveRuns(
                of: fire.job, except: id, reason: "replaced by the fire at \(fire.scheduledFor)", on: database)
        }
        return try inserted.decode(column: "status", as: String.self) == "skipped" ? .skipped : .queued
    }

    private func cancelActiveRuns(of job: String, except id: String, reason: String, on database: any SQLDatabase) async throws {
        try await database.raw(
            """
            UPDATE nightshift_runs SET status = 'cancelled', ended_at = \(now), error = \(bind: reason)
            WHERE job = \(bind: job) AND status = 'queued' AND id <> \(bind: id)
            """
        ).run()
        try await database.raw(
            """
            UPDATE nightshift_runs SET cancel_requested = TRUE, error = \(bind: reason)
            WHERE job = \(bind: job) AND status = 'running' AND id <> \(bind: id)
            """
        ).run()
    }

    public func enqueue(_ runs: [NewRun]) async throws -> [Run] {
        // Several statements must stand or fall together.
        guard runs.count > Self.enqueueChunk(pool.dialect.flavor) else {
            return try await pool.withDatabase { database in try await Self.enqueue(runs, on: database) }
        }
        return try await pool.withTransaction { database in try await Self.enqueue(runs, on: database) }
    }

    /// Runs per INSERT: on SQLite 16 parameters each, under its limit of 32,766; on PostgreSQL
    /// one element per array, as many as keep a statement's memory modest (about 10 MB).
    static func enqueueChunk(_ flavor: SQLDialectFragments.Flavor) -> Int { flavor == .sqlite ? 1000 : 50_000 }

    /// Enqueues `runs` with one statement on `database`, which may be inside the caller's own
    /// transaction: the runs then exist if and only if that transaction commits (more than 1,000
    /// runs on SQLite, 50,000 on PostgreSQL, take several statements, so pass a transaction for
    /// those). A run whose `uniqueKey` belongs to a queued or running run is not created; that
    /// run is returned in its place. Results come in the order of `runs`.
    public static func enqueue(_ runs: [NewRun], on database: any SQLDatabase) async throws -> [Run] {
        // PostgreSQL's text cannot hold NUL; say which run and field instead of the driver's
        // generic error. (Params are JSON, where NUL is escaped.)
        for (index, run) in runs.enumerated() {
            func check(_ text: String?, _ field: String) throws {
                guard text?.utf8.contains(0) == true else { return }
                throw SQLStoreError.unstorableText("run \(index + 1) of \(runs.count): its \(field) contains a NUL character")
            }
            try check(run.job, "job")
            try check(run.triggeredBy, "triggeredBy")
            try check(run.queue, "queue")
            try check(run.uniqueKey, "uniqueKey")
        }
        var result: [Run] = []
        result.reserveCapacity(runs.count)
        let chunk = enqueueChunk(database.dialect.name == "sqlite" ? .sqlite : .postgres)
        for start in stride(from: 0, to: runs.count, by: chunk) {
            result += try await insertChunk(Array(runs[start..<min(start + chunk, runs.count)]), on: database)
        }
        return result
    }

    private static func insertChunk(_ runs: [NewRun], on database: any SQLDatabase) async throws -> [Run] {
        guard !runs.isEmpty else { return [] }
        let inserted =
            database.dialect.name == "sqlite"
            ? try await insertSQLite(runs, on: database) : try await insertPostgres(runs, on: database)
        let byID = Dictionary(inserted.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let duplicateKeys = runs.filter { byID[$0.id] == nil }.compactMap(\.uniqueKey)
        var byKey: [String: Run] = [:]
        if !duplicateKeys.isEmpty {
            let existing = try await database.raw(
                "SELECT * FROM nightshift_runs WHERE unique_key IN (\(binds: duplicateKeys)) AND status IN \(activeStatuses)"
            ).all().compactMap { try? Run(row: $0) }
            byKey = Dictionary(
                existing.compactMap { run in run.uniqueKey.map { ($0, run) } }, uniquingKeysWith: { first, _ in first })
        }
        return runs.compactMap { run in byID[run.id] ?? run.uniqueKey.flatMap { byKey[$0] } }
    }

    /// The INSERT shared by both databases; `rows` selects its 16 values per run.
    private static func insertStatement(_ rows: SQLQueryString) -> SQLQueryString {
        """
        INSERT INTO nightshift_runs (id, job, status, "trigger", triggered_by, attempt, max_attempts, run_after,
            created_at, params, window_from, window_to, dry_run, priority, queue, unique_key)
        \(rows)
        ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND status IN \(activeStatuses) DO NOTHING
        """
    }

    /// SQLite: a VALUES list (16 parameters per run, under its limit of 32,766), returning the
    /// rows it inserted.
    private static func insertSQLite(_ runs: [NewRun], on database: any SQLDatabase) async throws -> [Run] {
        let requests = Dictionary(runs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let now: SQLQueryString = "\(unsafeRaw: SQLDialectFragments.sqlite.now)"
        let values: [SQLQueryString] = runs.map { run in
            let runAfter: SQLQueryString = run.runAfter.map { "\(bind: $0)" } ?? now
            return """
                (\(bind: run.id.lowercasedText), \(bind: run.job), 'queued', \(bind: run.trigger.rawValue),
                 \(bind: run.triggeredBy), 1, \(bind: run.maxAttempts), \(runAfter), \(now), \(bind: run.params.jsonText),
                 \(bind: run.window?.from), \(bind: run.window?.to), \(bind: run.dryRun), \(bind: run.priority),
                 \(bind: run.queue), \(bind: run.uniqueKey))
                """
        }
        let statement = insertStatement("VALUES \(values.joined(separator: ", "))")
        return try await database.raw("\(statement) RETURNING id, run_after, created_at").all().map { row in
            let idText = try row.decode(column: "id", as: String.self)
            guard let id = UUID(text: idText), let request = requests[id] else {
                throw SQLStoreError.malformedRow("enqueued run id '\(idText)'")
            }
            return Self.queuedRun(
                request, runAfter: try row.decode(column: "run_after", as: Date.self),
                createdAt: try row.decode(column: "created_at", as: Date.self), window: request.window)
        }
    }

    /// PostgreSQL: one array per column, read by `unnest`, so the statement has the same 14
    /// parameters whatever the batch (measured: the JSON document this replaced cost PostgreSQL
    /// twice the insert itself to parse). It returns one row: the transaction's `now()`, which
    /// every inserted run has as `created_at` (and as `run_after` unless given), and the ids
    /// of the inserted runs that have a unique key; runs without one are always inserted.
    private static func insertPostgres(_ runs: [NewRun], on database: any SQLDatabase) async throws -> [Run] {
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
                   CASE WHEN u.missing & 2 = 0 THEN u.run_after ELSE now() END, now(), u.params,
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
                WITH inserted AS (\(insertStatement(rows)) RETURNING id, unique_key)
                SELECT now() AS now, coalesce(array_agg(id) FILTER (WHERE unique_key IS NOT NULL), '{}') AS keyed FROM inserted
                """
            ).first()
        else { throw SQLStoreError.malformedRow("the enqueue summary row is missing") }
        let now = try summary.decode(column: "now", as: Date.self)
        let keyed = Set(try summary.decode(column: "keyed", as: [String].self))
        // Delivered at commit: idle workers on every instance start at once, not at their next poll.
        try await database.raw("SELECT pg_notify(\(bind: newRunsChannel), '')").run()
        return runs.compactMap { run in
            guard run.uniqueKey == nil || keyed.contains(run.id.lowercasedText) else { return nil }
            let window = run.window.map { DateWindow(from: Self.storedPrecision($0.from), to: Self.storedPrecision($0.to)) }
            return Self.queuedRun(run, runAfter: run.runAfter.map(Self.storedPrecision) ?? now, createdAt: now, window: window)
        }
    }

    /// A date as a PostgreSQL timestamp stores it (whole microseconds since 2000, as the driver
    /// encodes it), so a run built from its request equals the run read back.
    private static func storedPrecision(_ date: Date) -> Date {
        let start = Date(timeIntervalSince1970: 946_684_800)
        return Date(timeInterval: Double(Int64(date.timeIntervalSince(start) * 1_000_000)) / 1_000_000, since: start)
    }

    /// The run just inserted for `request`, with the times the database chose and the window
    /// as it stored it.
    private static func queuedRun(_ request: NewRun, runAfter: Date, createdAt: Date, window: DateWindow?) -> Run {
        Run(
            id: request.id, job: request.job, status: .queued, trigger: request.trigger, triggeredBy: request.triggeredBy,
            maxAttempts: request.maxAttempts, runAfter: runAfter, createdAt: createdAt, params: request.params, window: window,
            dryRun: request.dryRun, priority: request.priority, queue: request.queue, uniqueKey: request.uniqueKey)
    }

    public func claim(limit: Int, jobs: [String], queues: QueueFilter, worker: String) async throws -> [Run] {
        guard limit > 0, !jobs.isEmpty else { return [] }
        switch dialect.flavor {
        case .postgres:
            // The queues named, and whether they are the ones to skip (`.any` skips none).
            let (names, excluded): ([String], Bool)
            switch queues {
            case .any: (names, excluded) = ([], true)
            case .only(let only): (names, excluded) = (only, false)
            case .excluding(let skipped): (names, excluded) = (skipped, true)
            }
            var binds = PostgresBindings(capacity: 5)
            binds.append(worker)
            binds.append(jobs)
            binds.append(names)
            binds.append(excluded)
            binds.append(limit)
            let rows = try await pool.postgresRows(PostgresQuery(unsafeSQL: PostgresQueueStatements.boundClaim, binds: binds))
            return try await readRuns(rows, id: { try? $0.makeRandomAccess()[0].decode(String.self) }, keepRepaired: false) {
                row throws(UnreadableColumn) in try Run(claimedRow: row, worker: worker)
            }
        case .sqlite:
            let queueCondition: SQLQueryString
            switch queues {
            case .any: queueCondition = "TRUE"
            case .only(let names): queueCondition = names.isEmpty ? "FALSE" : "queue IN (\(binds: names))"
            case .excluding(let names): queueCondition = names.isEmpty ? "TRUE" : "queue NOT IN (\(binds: names))"
            }
            return try await pool.withDatabase { database in
                let rows = try await database.raw(
                    """
                    UPDATE nightshift_runs SET \(claimed(by: worker))
                    WHERE id IN (
                        SELECT id FROM nightshift_runs
                        WHERE status = 'queued' AND run_after <= \(now) AND job IN (\(binds: jobs)) AND \(queueCondition)
                          AND job NOT IN (SELECT name FROM nightshift_jobs WHERE paused)
                          AND queue NOT IN (SELECT name FROM nightshift_queues WHERE paused)
                        ORDER BY priority, run_after, id
                        LIMIT \(bind: limit))
                    RETURNING *
                    """
                ).all()
                // RETURNING gives rows in table order, not the subquery's: the batch is executed
                // in the order it comes back, so it is put back in claim order.
                return try await readRuns(rows, on: database).sorted {
                    ($0.priority, $0.runAfter, $0.id.lowercasedText) < ($1.priority, $1.runAfter, $1.id.lowercasedText)
                }
            }
        }
    }

    /// What a claim sets, outside PostgreSQL's bound claim (``PostgresQueueStatements``): the
    /// attempt starting now for `worker`, with progress, details and error cleared.
    private func claimed(by worker: String) -> SQLQueryString {
        """
        status = 'running', started_at = \(now), heartbeat_at = \(now), worker = \(bind: worker), progress = 0, ended_at = NULL,
            details = '{}', error = NULL
        """
    }

    public func claim(runID: UUID, worker: String) async throws -> Run? {
        try await pool.withDatabase { database in
            let rows = try await database.raw(
                """
                UPDATE nightshift_runs SET \(claimed(by: worker))
                WHERE id = \(bind: runID.lowercasedText) AND status = 'queued'
                RETURNING *
                """
            ).all()
            return try await readRuns(rows, on: database).first
        }
    }

    public func start(_ run: NewRun, worker: String) async throws -> Run {
        try await pool.withTransaction { database in
            _ = try await Self.enqueue([run], on: database)
            let rows = try await database.raw(
                """
                UPDATE nightshift_runs SET \(claimed(by: worker))
                WHERE id = \(bind: run.id.lowercasedText) AND status = 'queued'
                RETURNING *
                """
            ).all()
            guard let started = try await readRuns(rows, on: database).first else { throw EngineError.runMissing(run.id) }
            return started
        }
    }

    public func release(_ runIDs: [UUID], worker: String) async throws {
        guard !runIDs.isEmpty else { return }
        try await pool.withDatabase { database in
            try await database.raw(
                """
                UPDATE nightshift_runs SET status = 'queued', started_at = NULL, heartbeat_at = NULL, worker = NULL
                WHERE id IN (\(binds: runIDs.map { $0.lowercasedText })) AND status = 'running' AND worker = \(bind: worker)
                """
            ).run()
            if dialect.flavor == .postgres {
                // Other instances may take them at once.
                try await database.raw("SELECT pg_notify(\(bind: Self.newRunsChannel), '')").run()
            }
        }
    }

    public func heartbeat(_ progress: [UUID: Int], worker: String) async throws -> Set<UUID> {
        guard !progress.isEmpty else { return [] }
        let ids = progress.keys.map { $0.lowercasedText }
        let cases = progress.map { id, value -> SQLQueryString in
            "WHEN \(bind: id.lowercasedText) THEN \(bind: value)"
        }
        return try await pool.withDatabase { database in
            let rows = try await database.raw(
                """
                UPDATE nightshift_runs SET heartbeat_at = \(now), progress = CASE id \(cases.joined(separator: " ")) ELSE progress END
                WHERE id IN (\(binds: ids)) AND status = 'running' AND worker = \(bind: worker)
                RETURNING id, cancel_requested
                """
            ).all()
            return Set(
                try rows.filter { try $0.decode(column: "cancel_requested", as: Bool.self) }.compactMap {
                    UUID(text: try $0.decode(column: "id", as: String.self))
                })
        }
    }

    public func requestCancel(runID: UUID) async throws -> Bool {
        try await pool.withDatabase { database in
            try await database.raw(
                """
                UPDATE nightshift_runs SET
                    status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                    ended_at = CASE WHEN status = 'queued' THEN \(now) ELSE ended_at END,
                    error = 'cancelled by request', cancel_requested = TRUE
                WHERE id = \(bind: runID.lowercasedText) AND status IN \(Self.activeStatuses)
                RETURNING id
                """
            ).first() != nil
        }
    }

    public func runs(_ query: RunQuery) async throws -> [Run] {
        var conditions: [SQLQueryString] = ["TRUE"]
        if let job = query.job { conditions.append("job = \(bind: job)") }
        if let status = query.status { conditions.append("status = \(bind: status.rawValue)") }
        if let before = query.before {
            conditions.append(
                """
                (created_at, id) < (SELECT created_at, id FROM nightshift_runs WHERE id = \(bind: before.lowercasedText))
                """)
        }
        let statement: SQLQueryString =
            """
            SELECT * FROM nightshift_runs WHERE \(conditions.joined(separator: " AND "))
            ORDER BY created_at DESC, id DESC LIMIT \(bind: max(1, query.limit))
            """
        return try await pool.withDatabase { database in
            try await readRuns(try await database.raw(statement).all(), keepRepaired: true, on: database)
        }
    }

    public func run(id: UUID) async throws -> Run? {
        try await pool.withDatabase { database in
            let rows = try await database.raw("SELECT * FROM nightshift_runs WHERE id = \(bind: id.lowercasedText)").all()
            return try await readRuns(rows, keepRepaired: true, on: database).first
        }
    }

    public func runs(ids: [UUID]) async throws -> [Run] {
        guard !ids.isEmpty else { return [] }
        return try await pool.withDatabase { database in
            let rows = try await database.raw(
                "SELECT * FROM nightshift_runs WHERE id IN (\(binds: ids.map(\.lowercasedText)))"
            ).all()
            return try await readRuns(rows, keepRepaired: true, on: database)
        }
    }

    public func setQueuePaused(_ queue: String, paused: Bool) async throws {
        try await pool.withDatabase { database in
            try await database.raw(
                """
                INSERT INTO nightshift_queues (name, paused) VALUES (\(bind: queue), \(bind: paused))
                ON CONFLICT (name) DO UPDATE SET paused = excluded.paused
                """
            ).run()
        }
    }

    public func queueDepths() async throws -> [String: Int] {
        try await pool.withDatabase { database in
            let rows = try await database.raw(
                "SELECT queue, count(*) AS depth FROM nightshift_runs WHERE status = 'queued' GROUP BY queue"
            ).all()
            return Dictionary(
                try rows.map { (try $0.decode(column: "queue", as: String.self), try $0.decode(column: "depth", as: Int.self)) },
                uniquingKeysWith: { first, _ in first })
        }
    }

    public func activeRuns() async throws -> [Run] {
        try await pool.withDatabase { database in
            let rows = try await database.raw(
                "SELECT * FROM nightshift_runs WHERE status IN \(Self.activeStatuses) ORDER BY created_at"
            ).all()
            return try await readRuns(rows, on: database)
        }
    }

    public func runningSummaries() async throws -> [String: RunningSummary] {
        try await pool.withDatabase { database in
            // Served by the partial index on heartbeat_at of running runs.
            let rows = try await database.raw(
                """
                SELECT job, count(*) AS n, min(COALESCE(heartbeat_at, started_at)) AS oldest_heartbeat,
                       min(started_at) AS oldest_start
                FROM nightshift_runs WHERE status = 'running' GROUP BY job
                """
            ).all()
            var summaries: [String: RunningSummary] = [:]
            for row in rows {
                summaries[try row.decode(column: "job", as: String.self)] = RunningSummary(
                    count: try row.decode(column: "n", as: Int.self),
                    oldestHeartbeat: try row.decode(column: "oldest_heartbeat", as: Date?.self),
                    oldestStart: try row.decode(column: "oldest_start", as: Date?.self))
            }
            return summaries
        }
    }

    public func lastFinishedRuns() async throws -> [String: Run] {
        try await pool.withDatabase { database in
            let rows = try await database.raw(
                """
                SELECT r.* FROM nightshift_runs r
                JOIN (SELECT job, max(ended_at) AS newest FROM nightshift_runs
                      WHERE status NOT IN ('queued', 'running', 'skipped') GROUP BY job) last
                  ON last.job = r.job AND last.newest = r.ended_at
                WHERE r.status NOT IN ('queued', 'running', 'skipped')
                """
            ).all()
            let runs = try await readRuns(rows, keepRepaired: true, on: database)
            return Dictionary(runs.map { ($0.job, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }
}
