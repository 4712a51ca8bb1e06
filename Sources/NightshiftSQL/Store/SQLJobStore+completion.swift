import Foundation
import Nightshift
import PostgresNIO
import SQLKit

extension SQLJobStore {
    public func complete(_ completions: [RunCompletion]) async throws -> Set<UUID> {
        guard !completions.isEmpty else { return [] }
        if dialect.flavor == .postgres {
            return try await completeInOneStatement(completions)
        }
        return try await pool.withTransaction { database in
            var applied = try await self.completeSucceeded(completions.filter { $0.outcome == .succeeded }, on: database)
            for completion in completions where completion.outcome != .succeeded {
                if try await self.completeOne(completion, on: database) { applied.insert(completion.runID) }
            }
            return applied
        }
    }

    /// Every kind of ending in one statement on PostgreSQL (see ``PostgresQueueStatements``).
    private func completeInOneStatement(_ completions: [RunCompletion]) async throws -> Set<UUID> {
        var statuses: [String] = []
        var delays: [Double] = []
        for completion in completions {
            switch completion.outcome {
            case .succeeded:
                statuses.append(RunStatus.succeeded.rawValue)
                delays.append(0)
            case .retry(let seconds):
                statuses.append(RunStatus.queued.rawValue)
                delays.append(seconds)
            case .finished(let status):
                statuses.append(status.rawValue)
                delays.append(0)
            }
        }
        var binds = PostgresBindings(capacity: 7)
        binds.append(completions.map(\.runID.lowercasedText))
        binds.append(completions.map(\.attempt))
        binds.append(statuses)
        binds.append(delays)
        binds.append(completions.map(\.details.jsonText))
        binds.append(completions.map { $0.error ?? "" })
        binds.append(completions.map { $0.error != nil })
        let answer = try await pool.postgresRows(PostgresQuery(unsafeSQL: PostgresQueueStatements.boundCompletion, binds: binds))
        let refused = try answer.first?.decode([String].self) ?? []
        return Set(completions.map(\.runID)).subtracting(refused.compactMap { UUID(text: $0) })
    }

    /// Successes, set-based: three statements however many runs, each guarded by
    /// `(id, attempt)` and `status = 'running'` (River #1302: a rescued run is never finished
    /// twice).
    private func completeSucceeded(_ completions: [RunCompletion], on database: any SQLDatabase) async throws -> Set<UUID> {
        guard !completions.isEmpty else { return [] }
        let keys: [SQLQueryString] = completions.map { "(\(bind: $0.runID.lowercasedText), \(bind: $0.attempt))" }
        // `id IN (…)` lets the planner use the primary key; the row-value test alone scans the table.
        let ids = completions.map { $0.runID.lowercasedText }
        let guardClause: SQLQueryString =
            "id IN (\(binds: ids)) AND status = 'running' AND (id, attempt) IN (VALUES \(keys.joined(separator: ", ")))"
        let details: [SQLQueryString] = completions.map {
            "WHEN \(bind: $0.runID.lowercasedText) THEN \(bind: $0.details.jsonText)"
        }
        try await database.raw(
            """
            INSERT INTO nightshift_attempts (run_id, attempt, outcome, worker, started_at, ended_at, error)
            SELECT id, attempt, 'succeeded', worker, started_at, \(now), NULL FROM nightshift_runs WHERE \(guardClause)
            ON CONFLICT (run_id, attempt) DO NOTHING
            """
        ).run()
        let rows = try await database.raw(
            """
            UPDATE nightshift_runs SET status = 'succeeded', ended_at = \(now), heartbeat_at = \(now), progress = 100,
                details = CASE id \(details.joined(separator: " ")) ELSE details END, error = NULL
            WHERE \(guardClause)
            RETURNING id, job
            """
        ).all()
        let jobs = Set(try rows.map { try $0.decode(column: "job", as: String.self) })
        if !jobs.isEmpty {
            try await database.raw(
                "UPDATE nightshift_jobs SET consecutive_errors = 0, last_success_at = \(now) WHERE name IN (\(binds: Array(jobs)))"
            ).run()
        }
        return Set(try rows.compactMap { UUID(text: try $0.decode(column: "id", as: String.self)) })
    }

    /// A failure, retry or cancellation, with its attempt row and the job's counters.
    private func completeOne(_ completion: RunCompletion, on database: any SQLDatabase) async throws -> Bool {
        let id = completion.runID.lowercasedText
        let guardClause: SQLQueryString = "id = \(bind: id) AND status = 'running' AND attempt = \(bind: completion.attempt)"
        let update: SQLQueryString
        switch completion.outcome {
        case .succeeded:
            preconditionFailure("successes are completed set-based")
        case .retry(let seconds):
            update =
                """
                status = 'queued', attempt = attempt + 1, run_after = \(now(plus: seconds)), worker = NULL,
                details = \(bind: completion.details.jsonText), error = \(bind: completion.error), cancel_requested = FALSE
                """
        case .finished(let status):
            update =
                """
                status = \(bind: status.rawValue), ended_at = \(now), heartbeat_at = \(now),
                details = \(bind: completion.details.jsonText), error = \(bind: completion.error)
                """
        }
        try await database.raw(
            """
            INSERT INTO nightshift_attempts (run_id, attempt, outcome, worker, started_at, ended_at, error)
            SELECT id, attempt, \(bind: completion.outcome.metricStatus), worker, started_at, \(now), \(bind: completion.error)
            FROM nightshift_runs WHERE \(guardClause)
            ON CONFLICT (run_id, attempt) DO NOTHING
            """
        ).run()
        guard try await database.raw("UPDATE nightshift_runs SET \(update) WHERE \(guardClause) RETURNING id").first() != nil
        else { return false }
        try await updateJobCounters(job: completion.job, outcome: completion.outcome, error: completion.error, on: database)
        return true
    }

    /// Keeps `consecutive_errors` and the last failure of the job: a run that ends failed or
    /// discarded adds one (successes reset it in ``completeSucceeded(_:on:)``).
    private func updateJobCounters(
        job: String, outcome: RunCompletion.Outcome, error: String?, on database: any SQLDatabase
    ) async throws {
        switch outcome {
        case .finished(let status) where status.isFailure:
            try await recordFailure(jobs: [job: error ?? status.rawValue], on: database)
        case .succeeded, .finished, .retry:
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

    public func rescueOrphans(staleAfter: Double, sparing held: @escaping @Sendable () -> Set<UUID>) async throws -> [Run] {
        return try await pool.withTransaction { database in
            // Asked for here, with the connection in hand: on a busy database the wait for it can
            // outlast the lease, and runs claimed meanwhile would be missing from an earlier answer.
            let ids = held().map(\.lowercasedText)
            // One bind whatever the number of held runs (SQLite allows 32,766 in a statement).
            let spared: SQLQueryString =
                switch dialect.flavor {
                case .postgres: "NOT (id = ANY(CAST(\(bind: EncodedArray(ids)) AS text[])))"
                case .sqlite:
                    "id NOT IN (SELECT value FROM json_each(\(bind: "[" + ids.map { "\"\($0)\"" }.joined(separator: ",") + "]")))"
                }
            let stale: SQLQueryString = "status = 'running' AND heartbeat_at < \(now(plus: -staleAfter)) AND \(spared)"
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
