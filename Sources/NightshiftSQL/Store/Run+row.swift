import Foundation
import Nightshift
import NightshiftDatabase
import SQLKit

extension Run {
    /// Builds a run from a `nightshift_runs` row; throws ``UnreadableColumn`` naming the first
    /// column that is missing or malformed.
    init(row: any SQLRow) throws(UnreadableColumn) {
        func column<T: Decodable>(_ name: String, _ type: T.Type) throws(UnreadableColumn) -> T {
            do { return try row.decode(column: name, as: T.self) } catch {
                throw UnreadableColumn(column: name, reason: "\(error)")
            }
        }
        let idText = try column("id", String.self)
        guard let id = UUID(text: idText) else {
            throw UnreadableColumn(column: "id", reason: "'\(idText.prefix(40))' is not a UUID")
        }
        let statusText = try column("status", String.self)
        guard let status = RunStatus(rawValue: statusText) else {
            throw UnreadableColumn(column: "status", reason: "unknown status '\(statusText.prefix(40))'")
        }
        let triggerText = try column("trigger", String.self)
        guard let trigger = RunTrigger(rawValue: triggerText) else {
            throw UnreadableColumn(column: "trigger", reason: "unknown trigger '\(triggerText.prefix(40))'")
        }
        let windowFrom = try column("window_from", Date?.self)
        let windowTo = try column("window_to", Date?.self)
        self.init(
            id: id, job: try column("job", String.self), status: status, trigger: trigger,
            triggeredBy: try column("triggered_by", String?.self), scheduledFor: try column("scheduled_for", Date?.self),
            attempt: try column("attempt", Int.self), maxAttempts: try column("max_attempts", Int.self),
            runAfter: try column("run_after", Date.self), createdAt: try column("created_at", Date.self),
            startedAt: try column("started_at", Date?.self), endedAt: try column("ended_at", Date?.self),
            heartbeatAt: try column("heartbeat_at", Date?.self), worker: try column("worker", String?.self),
            progress: try column("progress", Int.self),
            params: try Self.jsonObject(try column("params", String.self), column: "params"),
            window: windowFrom.flatMap { from in windowTo.map { DateWindow(from: from, to: $0) } },
            dryRun: try column("dry_run", Bool.self),
            details: try Self.jsonObject(try column("details", String.self), column: "details"),
            error: try column("error", String?.self), cancelRequested: try column("cancel_requested", Bool.self),
            priority: try column("priority", Int.self), queue: try column("queue", String.self),
            uniqueKey: try column("unique_key", String?.self))
    }

    /// The JSON object stored as text in `params` and `details`.
    static func jsonObject(_ text: String, column: String) throws(UnreadableColumn) -> JSONObject {
        // Most runs have no params and no details yet.
        if text == "{}" { return [:] }
        do {
            guard case .object(let object) = try JSONValue(parsing: text) else {
                throw UnreadableColumn(column: column, reason: "expected a JSON object, got \(text.prefix(40))")
            }
            return object
        } catch let error as JSONParseError {
            throw UnreadableColumn(column: column, reason: "\(error) in \(text.prefix(40))")
        } catch let error as UnreadableColumn {
            throw error
        } catch {
            throw UnreadableColumn(column: column, reason: "\(error)")
        }
    }
}

extension JobState {
    /// Builds a job state from a `nightshift_jobs` row.
    init(row: any SQLRow) throws {
        self.init(
            name: try row.decode(column: "name", as: String.self), enabled: try row.decode(column: "enabled", as: Bool.self),
            paused: try row.decode(column: "paused", as: Bool.self),
            schedule: try row.decode(column: "schedule", as: String?.self),
            description: try row.decode(column: "description", as: String.self),
            consecutiveErrors: try row.decode(column: "consecutive_errors", as: Int.self),
            lastSuccessAt: try row.decode(column: "last_success_at", as: Date?.self),
            lastFailureAt: try row.decode(column: "last_failure_at", as: Date?.self),
            lastError: try row.decode(column: "last_error", as: String?.self),
            watermark: try row.decode(column: "watermark", as: Date?.self),
            registeredAt: try row.decode(column: "registered_at", as: Date?.self),
            missedFires: try row.decode(column: "missed_fires", as: Int.self),
            missedFirst: try row.decode(column: "missed_first", as: Date?.self),
            missedLast: try row.decode(column: "missed_last", as: Date?.self),
            missedReason: try row.decode(column: "missed_reason", as: String?.self))
    }
}
