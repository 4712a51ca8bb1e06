import Foundation
import Logging
import Nightshift
import NightshiftDatabase
import SQLKit

extension SQLJobStore {
    /// What a quarantined column is set to, so that its row reads again. Columns not named here
    /// (the id, the job's name) cannot be repaired; such a row is left out of every answer.
    private static let repairedValues: [String: SQLQueryString] = [
        "params": "'{}'", "details": "'{}'", "trigger": "'manual'", "queue": "'default'", "attempt": "1", "max_attempts": "1",
        "progress": "0", "priority": "0", "dry_run": "FALSE", "cancel_requested": "FALSE", "triggered_by": "NULL",
        "scheduled_for": "NULL", "started_at": "NULL", "heartbeat_at": "NULL", "window_from": "NULL", "window_to": "NULL",
        "worker": "NULL", "unique_key": "NULL", "error": "NULL",
    ]

    /// Builds runs from rows, quarantining those that cannot be read: one unreadable row (JSON
    /// that does not parse, an unknown status, a value of the wrong type) used to make every
    /// claim, rescue, listing and status that met it fail, for good.
    ///
    /// A quarantined run that was queued or running (or whose status is unknown) ends `failed`;
    /// a finished one keeps its status. Either way its error names the column and what is
    /// wrong, and the column is set to a value that reads (``repairedValues``). With
    /// `keepRepaired` the repaired runs are in the answer (listings show them); without, they
    /// are left out (a claim or rescue must not hand them on).
    func readRuns<Row>(
        _ rows: [Row], id: (Row) -> String?, keepRepaired: Bool, on database: (any SQLDatabase)? = nil,
        decode: (Row) throws(UnreadableColumn) -> Run
    ) async throws -> [Run] {
        var runs: [Run] = []
        runs.reserveCapacity(rows.count)
        for row in rows {
            do {
                runs.append(try decode(row))
            } catch {
                guard let id = id(row) else {
                    pool.logger.error("a run row without a readable id was skipped", metadata: ["reason": "\(error)"])
                    continue
                }
                // Inside a transaction the repair must use its connection; otherwise one is taken
                // only now, so that reading needs none on the usual path.
                let repaired =
                    if let database {
                        try await quarantine(runID: id, error, on: database)
                    } else {
                        try await pool.withDatabase { database in try await quarantine(runID: id, error, on: database) }
                    }
                if keepRepaired, let repaired { runs.append(repaired) }
            }
        }
        return runs
    }

    /// Fails (when active) and repairs one unreadable run; returns it as it reads now, if it does.
    private func quarantine(runID: String, _ problem: UnreadableColumn, on database: any SQLDatabase) async throws -> Run? {
        let message = "unreadable row, quarantined: \(problem)"
        pool.logger.error(
            "quarantined an unreadable run",
            metadata: ["run": "\(runID)", "column": "\(problem.column)", "reason": "\(problem.reason)"])
        var assignments: [SQLQueryString] = [
            """
            status = CASE WHEN status IN ('succeeded', 'failed', 'cancelled', 'discarded', 'skipped') THEN status ELSE 'failed' END
            """,
            "ended_at = \(problem.column == "ended_at" ? now : "COALESCE(ended_at, \(now))")",
            "error = \(bind: message)",
        ]
        if problem.column == "run_after" || problem.column == "created_at" {
            assignments.append("\(ident: problem.column) = \(now)")
        } else if let value = Self.repairedValues[problem.column], problem.column != "error" {
            assignments.append("\(ident: problem.column) = \(value)")
        }
        let row = try await database.raw(
            "UPDATE nightshift_runs SET \(assignments.joined(separator: ", ")) WHERE id = \(bind: runID) RETURNING *"
        ).first()
        return row.flatMap { try? Run(row: $0) }
    }
}

extension SQLJobStore {
    /// ``readRuns(_:id:keepRepaired:on:decode:)`` for rows of `SELECT *` or `RETURNING *`.
    func readRuns(_ rows: [any SQLRow], keepRepaired: Bool = false, on database: any SQLDatabase) async throws -> [Run] {
        try await readRuns(rows, id: { try? $0.decode(column: "id", as: String.self) }, keepRepaired: keepRepaired, on: database)
        {
            row throws(UnreadableColumn) in try Run(row: row)
        }
    }
}
