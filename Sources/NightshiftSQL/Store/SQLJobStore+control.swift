import Foundation
import Nightshift
import NightshiftDatabase
import SQLKit

extension SQLJobStore {
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
}
