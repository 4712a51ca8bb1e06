import Foundation
import Nightshift
import NightshiftDatabase
import SQLKit

extension SQLJobStore {
    public func complete(_ completions: [RunCompletion]) async throws -> Set<UUID> {
        try await driver.complete(completions, store: self)
    }

    /// Adds one to `consecutive_errors` of each job and keeps its error and time.
    func recordFailure(jobs: [String: String], on database: any SQLDatabase) async throws {
        for (job, error) in jobs {
            try await database.raw(
                """
                UPDATE nightshift_jobs SET consecutive_errors = consecutive_errors + 1, last_failure_at = \(now),
                    last_error = \(bind: error)
                WHERE name = \(bind: job)
                """
            ).run()
        }
    }

    public func rescueOrphans(staleAfter: Duration, sparing held: @escaping @Sendable () throws -> Set<UUID>) async throws
        -> [Run]
    {
        return try await pool.withTransaction { database in
            // Asked for here, with the connection in hand: on a busy database the wait for it can
            // outlast the lease, and runs claimed meanwhile would be missing from an earlier answer.
            let ids = try held().map(\.lowercasedText)
            // One bind whatever the number of held runs (SQLite allows 32,766 in a statement).
            let spared = driver.idNotIn(ids)
            let stale: SQLQueryString = "status = 'running' AND heartbeat_at < \(now(plus: -staleAfter.inSeconds)) AND \(spared)"
            try await database.raw(
                """
                INSERT INTO nightshift_attempts (run_id, attempt, outcome, worker, started_at, ended_at, error)
                SELECT id, attempt, 'lost', worker, started_at, \(now), 'worker stopped heartbeating'
                FROM nightshift_runs WHERE \(stale)
                ON CONFLICT (run_id, attempt) DO NOTHING
                """
            ).run()
            // All SET expressions see the row as it was, so each CASE tests the old attempt.
            let rows = try await database.raw(
                """
                UPDATE nightshift_runs SET
                    status = CASE WHEN attempt < max_attempts THEN 'queued'
                                  WHEN max_attempts > 1 THEN 'discarded' ELSE 'failed' END,
                    attempt = CASE WHEN attempt < max_attempts THEN attempt + 1 ELSE attempt END,
                    ended_at = CASE WHEN attempt < max_attempts THEN NULL ELSE \(now) END,
                    run_after = \(now),
                    error = 'worker ' || COALESCE(worker, '?') || ' stopped heartbeating; the run was rescued',
                    worker = NULL
                WHERE \(stale)
                RETURNING *
                """
            ).all()
            let rescued = try await self.readRuns(rows, on: database)
            let failed = rescued.filter { $0.status.isFailure }
            try await self.recordFailure(
                jobs: Dictionary(failed.map { ($0.job, $0.error ?? "lost") }, uniquingKeysWith: { first, _ in first }),
                on: database)
            return rescued
        }
    }
}
