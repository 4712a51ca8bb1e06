import Foundation
import Nightshift
import NightshiftDatabase
import SQLKit

extension SQLJobStore {
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
