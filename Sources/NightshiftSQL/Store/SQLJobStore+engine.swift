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
}
