import Foundation
import Nightshift
import SQLKit

extension SQLJobStore {
    public func complete(_ completion: RunCompletion) async throws -> Bool {
        let id = completion.runID.uuidString.lowercased()
        // Every terminal update is guarded by status and attempt: a run rescued or cancelled
        // meanwhile is not finished a second time (River #1302).
        let guardClause: SQLQueryString = "id = \(bind: id) AND status = 'running' AND attempt = \(bind: completion.attempt)"
        let outcomeName: String
        let update: SQLQueryString
        switch completion.outcome {
        case .succeeded:
            outcomeName = RunStatus.succeeded.rawValue
            update =
                """
                status = 'succeeded', ended_at = \(now), heartbeat_at = \(now), progress = 100,
                details = \(bind: completion.details.jsonText), error = NULL
                """
        case .retry(let seconds):
            outcomeName = "retry"
            update =
                """
                status = 'queued', attempt = attempt + 1, run_after = \(now(plus: seconds)), worker = NULL,
                details = \(bind: completion.details.jsonText), error = \(bind: completion.error), cancel_requested = FALSE
                """
        case .finished(let status):
            outcomeName = status.rawValue
            update =
                """
                status = \(bind: status.rawValue), ended_at = \(now), heartbeat_at = \(now),
                details = \(bind: completion.details.jsonText), error = \(bind: completion.error)
                """
        }
        return try await pool.withTransaction { database in
            try await database.raw(
                """
                INSERT INTO nightshift_attempts (run_id, attempt, outcome, worker, started_at, ended_at, error)
                SELECT id, attempt, \(bind: outcomeName), worker, started_at, \(now), \(bind: completion.error)
                FROM nightshift_runs WHERE \(guardClause)
                ON CONFLICT (run_id, attempt) DO NOTHING
                """
            ).run()
            guard try await database.raw("UPDATE nightshift_runs SET \(update) WHERE \(guardClause) RETURNING id").first() != nil
            else { return false }
            try await self.updateJobCounters(
                job: completion.job, outcome: completion.outcome, error: completion.error, on: database)
            return true
        }
    }

    /// Keeps `consecutive_errors` and the last success and failure of the job: a success resets
    /// the count, a run that ends failed or discarded adds one.
    private func updateJobCounters(
        job: String, outcome: RunCompletion.Outcome, error: String?, on database: any SQLDatabase
    ) async throws {
        switch outcome {
        case .succeeded:
            try await database.raw(
                "UPDATE nightshift_jobs SET consecutive_errors = 0, last_success_at = \(now) WHERE name = \(bind: job)"
            ).run()
        case .finished(let status) where status.isFailure:
            try await recordFailure(jobs: [job: error ?? status.rawValue], on: database)
        case .finished, .retry:
            break
        }
    }

    private func recordFailure(jobs: [String: String], on database: any SQLDatabase) async throws {
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

    public func rescueOrphans(staleAfter: Double) async throws -> [Run] {
        let stale: SQLQueryString = "status = 'running' AND heartbeat_at < \(now(plus: -staleAfter))"
        return try await pool.withTransaction { database in
            try await database.raw(
                """
                INSERT INTO nightshift_attempts (run_id, attempt, outcome, worker, started_at, ended_at, error)
                SELECT id, attempt, 'lost', worker, started_at, \(now), 'worker stopped heartbeating'
                FROM nightshift_runs WHERE \(stale)
                ON CONFLICT (run_id, attempt) DO NOTHING
                """
            ).run()
            // All SET expressions see the row as it was, so each CASE tests the old attempt.
            let rescued = try await database.raw(
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
            ).all().map(Run.init(row:))
            let failed = rescued.filter { $0.status.isFailure }
            try await self.recordFailure(
                jobs: Dictionary(failed.map { ($0.job, $0.error ?? "lost") }, uniquingKeysWith: { first, _ in first }),
                on: database)
            return rescued
        }
    }
}
