import Foundation
import Nightshift
import NightshiftDatabase
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
        let missed = fire.missedReason != nil
        // Under `forbid` the fire is still recorded, as `skipped`, so the history shows it; so is
        // a fire the catch-up policy will not run. The unique index on (job, scheduled_for) turns
        // a second recording of the same fire, by another instance or after a restart, into
        // nothing.
        let inserted = try await database.raw(
            """
            WITH overlap AS (
                SELECT \(bind: missed) OR (\(bind: forbid) AND EXISTS (
                    SELECT 1 FROM nightshift_runs WHERE job = \(bind: fire.job) AND status IN \(Self.activeStatuses)
                )) AS skip
            )
            INSERT INTO nightshift_runs (id, job, status, "trigger", scheduled_for, attempt, max_attempts, run_after,
                created_at, queue, ended_at, error)
            SELECT \(bind: id), \(bind: fire.job), CASE WHEN skip THEN 'skipped' ELSE 'queued' END, 'schedule',
                \(bind: fire.scheduledFor), 1, \(bind: fire.maxAttempts), \(now), \(now), \(bind: fire.queue),
                CASE WHEN skip THEN \(now) END,
                CASE WHEN skip THEN \(bind: fire.missedReason ?? ScheduledFire.overlapSkipReason) END
            FROM overlap WHERE TRUE
            ON CONFLICT (job, scheduled_for) WHERE scheduled_for IS NOT NULL DO NOTHING
            RETURNING status
            """
        ).first()
        guard let inserted else { return .duplicate }
        let skipped = try inserted.decode(column: "status", as: String.self) == "skipped"
        if skipped {
            // Counted for the `missed` alert in the same transaction as the skipped run.
            try await database.raw(
                """
                UPDATE nightshift_jobs SET missed_fires = missed_fires + \(bind: missed ? fire.missedCount : 1),
                    missed_first = CASE WHEN missed_first IS NULL OR missed_first > \(bind: fire.scheduledFor)
                        THEN \(bind: fire.scheduledFor) ELSE missed_first END,
                    missed_last = CASE WHEN missed_last IS NULL OR missed_last < \(bind: fire.scheduledFor)
                        THEN \(bind: fire.scheduledFor) ELSE missed_last END,
                    missed_reason = \(bind: fire.missedReason ?? ScheduledFire.overlapSkipReason)
                WHERE name = \(bind: fire.job)
                """
            ).run()
            return .skipped
        }
        try await driver.announceNewRuns(on: database)
        if fire.overlap == .replace {
            try await cancelActiveRuns(
                of: fire.job, except: id, reason: "replaced by the fire at \(fire.scheduledFor)", on: database)
        }
        return .queued
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
        let at = clock?.now
        guard runs.count > driver.enqueueChunk else {
            return try await pool.withDatabase { database in try await Self.enqueue(runs, at: at, on: database) }
        }
        return try await pool.withTransaction { database in try await Self.enqueue(runs, at: at, on: database) }
    }

    /// Enqueues `runs` with one statement on `database`, which may be inside the caller's own
    /// transaction: the runs then exist if and only if that transaction commits (more than 1,000
    /// runs on SQLite, 50,000 on PostgreSQL, take several statements, so pass a transaction for
    /// those). A run whose `uniqueKey` belongs to a queued or running run is not created; that
    /// run is returned in its place. Results come in the order of `runs`.
    public static func enqueue(_ runs: [NewRun], on database: any SQLDatabase) async throws -> [Run] {
        try await enqueue(runs, at: nil, on: database)
    }

    /// ``enqueue(_:on:)`` at time `at` (nil: the database's clock).
    static func enqueue(_ runs: [NewRun], at: Date?, on database: any SQLDatabase) async throws -> [Run] {
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
        let driver = SQLStoreDrivers.driver(for: database)
        let chunk = driver.enqueueChunk
        for start in stride(from: 0, to: runs.count, by: chunk) {
            result += try await insertChunk(
                Array(runs[start..<min(start + chunk, runs.count)]), at: at, driver: driver, on: database)
        }
        return result
    }

    private static func insertChunk(
        _ runs: [NewRun], at: Date?, driver: any SQLStoreDriver, on database: any SQLDatabase
    ) async throws -> [Run] {
        guard !runs.isEmpty else { return [] }
        let inserted = try await driver.insert(runs, at: at, on: database)
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
    static func insertStatement(_ rows: SQLQueryString) -> SQLQueryString {
        """
        INSERT INTO nightshift_runs (id, job, status, "trigger", triggered_by, attempt, max_attempts, run_after,
            created_at, params, window_from, window_to, dry_run, priority, queue, unique_key)
        \(rows)
        ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND status IN \(activeStatuses) DO NOTHING
        """
    }

    /// The run just inserted for `request`, with the times the database chose and the window
    /// as it stored it.
    static func queuedRun(_ request: NewRun, runAfter: Date, createdAt: Date, window: DateWindow?) -> Run {
        Run(
            id: request.id, job: request.job, status: .queued, trigger: request.trigger, triggeredBy: request.triggeredBy,
            maxAttempts: request.maxAttempts, runAfter: runAfter, createdAt: createdAt, params: request.params, window: window,
            dryRun: request.dryRun, priority: request.priority, queue: request.queue, uniqueKey: request.uniqueKey)
    }

    public func claim(limit: Int, jobs: [String], queues: QueueFilter, worker: String) async throws -> [Run] {
        guard limit > 0, !jobs.isEmpty else { return [] }
        return try await driver.claim(limit: limit, jobs: jobs, queues: queues, worker: worker, store: self)
    }

    /// What a claim sets, outside PostgreSQL's bound claim (``PostgresQueueStatements``): the
    /// attempt starting now for `worker`, with progress, details and error cleared.
    func claimed(by worker: String) -> SQLQueryString {
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
            _ = try await Self.enqueue([run], at: self.clock?.now, on: database)
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
            // Other instances may take them at once.
            try await driver.announceNewRuns(on: database)
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

    public func requestCancel(runIDs: [UUID], by who: String?) async throws -> Set<UUID> {
        let reason = who.map { "cancelled by \($0)" } ?? "cancelled by request"
        var cancelled = Set<UUID>()
        for start in stride(from: 0, to: runIDs.count, by: 1000) {
            let ids = runIDs[start..<min(start + 1000, runIDs.count)].map(\.lowercasedText)
            let rows = try await pool.withDatabase { database in
                try await database.raw(
                    """
                    UPDATE nightshift_runs SET
                        status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                        ended_at = CASE WHEN status = 'queued' THEN \(now) ELSE ended_at END,
                        error = \(bind: reason), cancel_requested = TRUE
                    WHERE id IN (\(binds: ids)) AND status IN \(Self.activeStatuses)
                    RETURNING id
                    """
                ).all()
            }
            for row in rows { if let id = UUID(text: try row.decode(column: "id", as: String.self)) { cancelled.insert(id) } }
        }
        return cancelled
    }

    /// `text` for a LIKE pattern whose escape is a backslash: its `%`, `_` and backslashes
    /// match themselves.
    static func likePattern(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }

    public func runs(_ query: RunQuery) async throws -> [Run] {
        var conditions: [SQLQueryString] = ["TRUE"]
        if let job = query.job { conditions.append("job = \(bind: job)") }
        if let statuses = query.statuses {
            conditions.append("status IN (\(binds: statuses.map(\.rawValue).sorted()))")
        }
        // Both patterns are escaped: a typed `%` or `_` matches itself.
        if let prefix = query.idPrefix { conditions.append("id LIKE \(bind: Self.likePattern(prefix) + "%") ESCAPE '\\'") }
        if let value = query.paramValue {
            let patterns = RunQuery.paramValueFragments(value).map { fragment -> SQLQueryString in
                "params LIKE \(bind: "%" + Self.likePattern(fragment) + "%") ESCAPE '\\'"
            }
            conditions.append("(\(patterns.joined(separator: " OR ")))")
        }
        if let trigger = query.trigger { conditions.append("\"trigger\" = \(bind: trigger.rawValue)") }
        if let queue = query.queue { conditions.append("queue = \(bind: queue)") }
        if let since = query.since { conditions.append("created_at >= \(bind: since)") }
        if let until = query.until { conditions.append("created_at < \(bind: until)") }
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

    public func revokeSession(_ id: String, expiresAt: Date) async throws {
        try await pool.withDatabase { database in
            try await database.raw(
                """
                INSERT INTO nightshift_revoked_sessions (id, expires_at) VALUES (\(bind: id), \(bind: expiresAt.timeIntervalSince1970))
                ON CONFLICT (id) DO NOTHING
                """
            ).run()
            try await database.raw(
                """
                DELETE FROM nightshift_revoked_sessions
                WHERE expires_at < \(bind: (clock?.now ?? Date()).timeIntervalSince1970 - SessionRevocations.keptPastExpiry.inSeconds)
                """
            ).run()
        }
    }

    public func isSessionRevoked(_ id: String) async throws -> Bool {
        try await pool.withDatabase { database in
            try await database.raw("SELECT id FROM nightshift_revoked_sessions WHERE id = \(bind: id)").first() != nil
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

    public func lastFinishedRuns(of jobs: [String]) async throws -> [String: Run] {
        guard !jobs.isEmpty else { return [:] }
        let names = jobs.map { name -> SQLQueryString in "SELECT \(bind: name) AS job" }
        return try await pool.withDatabase { database in
            // One probe of the (job, ended_at) index of finished runs per job: never the history.
            let rows = try await database.raw(
                """
                SELECT * FROM nightshift_runs WHERE id IN (
                    SELECT (SELECT r.id FROM nightshift_runs r
                            WHERE r.job = k.job AND r.status NOT IN ('queued', 'running', 'skipped')
                            ORDER BY r.ended_at DESC LIMIT 1)
                    FROM (\(names.joined(separator: " UNION ALL "))) k)
                """
            ).all()
            let runs = try await readRuns(rows, keepRepaired: true, on: database)
            return Dictionary(runs.map { ($0.job, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    public func recentRuns(of jobs: [String], limit: Int) async throws -> [String: [RunMark]] {
        guard !jobs.isEmpty else { return [:] }
        return try await pool.withDatabase { database in
            var marks: [String: [RunMark]] = [:]
            for row in try await database.raw(driver.newestRuns(of: jobs, limit: max(1, limit))).all() {
                guard let id = UUID(text: try row.decode(column: "id", as: String.self)),
                    let status = RunStatus(rawValue: try row.decode(column: "status", as: String.self))
                else { continue }
                marks[try row.decode(column: "job", as: String.self), default: []].append(
                    RunMark(id: id, status: status, createdAt: try row.decode(column: "created_at", as: Date.self)))
            }
            return marks.mapValues { $0.sorted { ($0.createdAt, $0.id.lowercasedText) > ($1.createdAt, $1.id.lowercasedText) } }
        }
    }

    public func queueSummaries() async throws -> [String: QueueSummary] {
        try await pool.withDatabase { database in
            var summaries: [String: QueueSummary] = [:]
            // The index of queued runs by queue answers this alone; running runs are few.
            for row in try await database.raw(
                """
                SELECT queue, count(*) AS depth, min(CASE WHEN run_after <= \(self.now) THEN run_after END) AS oldest
                FROM nightshift_runs WHERE status = 'queued' GROUP BY queue
                """
            ).all() {
                summaries[try row.decode(column: "queue", as: String.self)] = QueueSummary(
                    depth: try row.decode(column: "depth", as: Int.self),
                    oldestDue: try row.decode(column: "oldest", as: Date?.self))
            }
            for row in try await database.raw(
                "SELECT queue, count(*) AS n FROM nightshift_runs WHERE status = 'running' GROUP BY queue"
            ).all() {
                summaries[try row.decode(column: "queue", as: String.self), default: QueueSummary(depth: 0, oldestDue: nil)]
                    .running = try row.decode(column: "n", as: Int.self)
            }
            return summaries
        }
    }

    public func pausedQueues() async throws -> Set<String> {
        try await pool.withDatabase { database in
            Set(
                try await database.raw("SELECT name FROM nightshift_queues WHERE paused").all().map {
                    try $0.decode(column: "name", as: String.self)
                })
        }
    }

    public func attempts(of id: UUID) async throws -> [AttemptRecord] {
        try await pool.withDatabase { database in
            try await database.raw(
                """
                SELECT attempt, outcome, worker, started_at, ended_at, error, output FROM nightshift_attempts
                WHERE run_id = \(bind: id.lowercasedText) ORDER BY attempt
                """
            ).all().map { row in
                AttemptRecord(
                    attempt: try row.decode(column: "attempt", as: Int.self),
                    outcome: try row.decode(column: "outcome", as: String.self),
                    worker: try row.decode(column: "worker", as: String?.self),
                    startedAt: try row.decode(column: "started_at", as: Date?.self),
                    endedAt: try row.decode(column: "ended_at", as: Date.self),
                    error: try row.decode(column: "error", as: String?.self),
                    output: try row.decode(column: "output", as: String?.self))
            }
        }
    }
}
