import Foundation
import Nightshift
import NightshiftDatabase
import SQLKit

/// The job store's driver for SQLite: the claim as one `UPDATE … RETURNING`, endings in one
/// transaction (successes set-based, the others one by one), and inserts as `VALUES` lists.
/// SQLite has one writer at a time and no notifications.
struct SQLiteStoreDriver: SQLStoreDriver {
    /// 16 parameters per run, under SQLite's limit of 32,766 per statement.
    let enqueueChunk = 1000

    /// SQLite: a VALUES list (16 parameters per run, under its limit of 32,766), returning the
    /// rows it inserted.
    func insert(_ runs: [NewRun], at: Date?, on database: any SQLDatabase) async throws -> [Run] {
        // Unix seconds: timestamps are stored as REAL seconds, as SQLiteNIO binds `Date`.
        let now: SQLQueryString = at.map { "\(bind: $0)" } ?? "\(unsafeRaw: SQLDialectFragments.sqlite.now)"
        let requests = Dictionary(runs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let values: [SQLQueryString] = runs.map { run in
            let runAfter: SQLQueryString = run.runAfter.map { "\(bind: $0)" } ?? now
            return """
                (\(bind: run.id.lowercasedText), \(bind: run.job), 'queued', \(bind: run.trigger.rawValue),
                 \(bind: run.triggeredBy), 1, \(bind: run.maxAttempts), \(runAfter), \(now), \(bind: run.params.jsonText),
                 \(bind: run.window?.from), \(bind: run.window?.to), \(bind: run.dryRun), \(bind: run.priority),
                 \(bind: run.queue), \(bind: run.uniqueKey))
                """
        }
        let statement = SQLJobStore.insertStatement("VALUES \(values.joined(separator: ", "))")
        return try await database.raw("\(statement) RETURNING id, run_after, created_at").all().map { row in
            let idText = try row.decode(column: "id", as: String.self)
            guard let id = UUID(text: idText), let request = requests[id] else {
                throw SQLStoreError.malformedRow("enqueued run id '\(idText)'")
            }
            return SQLJobStore.queuedRun(
                request, runAfter: try row.decode(column: "run_after", as: Date.self),
                createdAt: try row.decode(column: "created_at", as: Date.self), window: request.window)
        }
    }

    func announceNewRuns(on database: any SQLDatabase) async throws {}

    func claim(limit: Int, jobs: [String], queues: QueueFilter, worker: String, store: SQLJobStore) async throws -> [Run] {
        let queueCondition: SQLQueryString
        switch queues {
        case .any: queueCondition = "TRUE"
        case .only(let names): queueCondition = names.isEmpty ? "FALSE" : "queue IN (\(binds: names))"
        case .excluding(let names): queueCondition = names.isEmpty ? "TRUE" : "queue NOT IN (\(binds: names))"
        }
        return try await store.pool.withDatabase { database in
            let rows = try await database.raw(
                """
                UPDATE nightshift_runs SET \(store.claimed(by: worker))
                WHERE id IN (
                    SELECT id FROM nightshift_runs
                    WHERE status = 'queued' AND run_after <= \(store.now) AND job IN (\(binds: jobs)) AND \(queueCondition)
                      AND job NOT IN (SELECT name FROM nightshift_jobs WHERE paused)
                      AND queue NOT IN (SELECT name FROM nightshift_queues WHERE paused)
                    ORDER BY priority, run_after, id
                    LIMIT \(bind: limit))
                RETURNING *
                """
            ).all()
            // RETURNING gives rows in table order, not the subquery's: the batch is executed
            // in the order it comes back, so it is put back in claim order.
            return try await store.readRuns(rows, on: database).sorted {
                ($0.priority, $0.runAfter, $0.id.lowercasedText) < ($1.priority, $1.runAfter, $1.id.lowercasedText)
            }
        }
    }

    func complete(_ completions: [RunCompletion], store: SQLJobStore) async throws -> Set<UUID> {
        guard !completions.isEmpty else { return [] }
        return try await store.pool.withTransaction { database in
            var applied = try await completeSucceeded(
                completions.filter { $0.outcome == .succeeded }, store: store, on: database)
            for completion in completions where completion.outcome != .succeeded {
                if try await completeOne(completion, store: store, on: database) { applied.insert(completion.runID) }
            }
            return applied
        }
    }

    /// Successes, set-based: three statements however many runs, each guarded by
    /// `(id, attempt)` and `status = 'running'` (River #1302: a rescued run is never finished
    /// twice).
    private func completeSucceeded(_ completions: [RunCompletion], store: SQLJobStore, on database: any SQLDatabase)
        async throws -> Set<UUID>
    {
        let now = store.now
        guard !completions.isEmpty else { return [] }
        let keys: [SQLQueryString] = completions.map { "(\(bind: $0.runID.lowercasedText), \(bind: $0.attempt))" }
        // `id IN (…)` lets the planner use the primary key; the row-value test alone scans the table.
        let ids = completions.map { $0.runID.lowercasedText }
        let guardClause: SQLQueryString =
            "id IN (\(binds: ids)) AND status = 'running' AND (id, attempt) IN (VALUES \(keys.joined(separator: ", ")))"
        let details: [SQLQueryString] = completions.map {
            "WHEN \(bind: $0.runID.lowercasedText) THEN \(bind: $0.details.jsonText)"
        }
        let outputs: [SQLQueryString] = completions.compactMap { completion in
            completion.output.map { "WHEN \(bind: completion.runID.lowercasedText) THEN \(bind: $0)" }
        }
        let output: SQLQueryString = outputs.isEmpty ? "NULL" : "CASE id \(outputs.joined(separator: " ")) END"
        try await database.raw(
            """
            INSERT INTO nightshift_attempts (run_id, attempt, outcome, worker, started_at, ended_at, error, output)
            SELECT id, attempt, 'succeeded', worker, started_at, \(now), NULL, \(output) FROM nightshift_runs WHERE \(guardClause)
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
    private func completeOne(_ completion: RunCompletion, store: SQLJobStore, on database: any SQLDatabase) async throws -> Bool {
        let now = store.now
        let id = completion.runID.lowercasedText
        let guardClause: SQLQueryString = "id = \(bind: id) AND status = 'running' AND attempt = \(bind: completion.attempt)"
        let update: SQLQueryString
        switch completion.outcome {
        case .succeeded:
            preconditionFailure("successes are completed set-based")
        case .retry(let backoff):
            update =
                """
                status = 'queued', attempt = attempt + 1, run_after = \(store.now(plus: backoff.inSeconds)), worker = NULL,
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
            INSERT INTO nightshift_attempts (run_id, attempt, outcome, worker, started_at, ended_at, error, output)
            SELECT id, attempt, \(bind: completion.outcome.metricStatus), worker, started_at, \(now), \(bind: completion.error),
                \(bind: completion.output)
            FROM nightshift_runs WHERE \(guardClause)
            ON CONFLICT (run_id, attempt) DO NOTHING
            """
        ).run()
        guard try await database.raw("UPDATE nightshift_runs SET \(update) WHERE \(guardClause) RETURNING id").first() != nil
        else { return false }
        try await updateJobCounters(
            job: completion.job, outcome: completion.outcome, error: completion.error, store: store, on: database)
        return true
    }

    /// Keeps `consecutive_errors` and the last failure of the job: a run that ends failed or
    /// discarded adds one (successes reset it in ``completeSucceeded(_:on:)``).
    private func updateJobCounters(
        job: String, outcome: RunCompletion.Outcome, error: String?, store: SQLJobStore, on database: any SQLDatabase
    ) async throws {
        switch outcome {
        case .finished(let status) where status.isFailure:
            try await store.recordFailure(jobs: [job: error ?? status.rawValue], on: database)
        case .succeeded, .finished, .retry:
            break
        }
    }

    func epochSeconds(_ column: String) -> SQLQueryString { "\(unsafeRaw: column)" }

    /// SQLite has no lateral join: one part per job, joined with `UNION ALL`.
    func newestRuns(of jobs: [String], limit: Int) -> SQLQueryString {
        let parts = jobs.map { job -> SQLQueryString in
            """
            SELECT * FROM (SELECT job, id, status, created_at FROM nightshift_runs WHERE job = \(bind: job)
                ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)) AS recent
            """
        }
        return parts.joined(separator: " UNION ALL ")
    }

    func bucketStart(_ value: SQLQueryString, bucket: Int) -> SQLQueryString {
        "(CAST(\(value) / \(unsafeRaw: String(bucket)) AS INTEGER) * \(unsafeRaw: String(bucket)))"
    }

    func idNotIn(_ ids: [String]) -> SQLQueryString {
        "id NOT IN (SELECT value FROM json_each(\(bind: "[" + ids.map { "\"\($0)\"" }.joined(separator: ",") + "]")))"
    }

    func hasMigrationsTable(on database: any SQLDatabase) async throws -> Bool {
        try await database.raw(
            "SELECT count(*) AS present FROM sqlite_master WHERE type = 'table' AND name = 'nightshift_migrations'"
        ).first()?.decode(column: "present", as: Int.self) ?? 0 > 0
    }

    /// SQLite's write lock serializes the migrating transactions already.
    func lockForMigration(on database: any SQLDatabase) async throws {}

    func refreshDefinitions(on database: any SQLDatabase) async throws {}
}
