import Foundation
import Nightshift
import PostgresNIO

extension Run {
    /// The columns ``init(claimedRow:worker:)`` reads, in its order: those a claim does not
    /// set to values known beforehand.
    static let claimedColumns = [
        "id", "job", "\"trigger\"", "triggered_by", "scheduled_for", "attempt", "max_attempts", "run_after", "created_at",
        "started_at", "params", "window_from", "window_to", "dry_run", "cancel_requested", "priority", "queue", "unique_key",
    ]

    /// Builds a run that `worker` has just claimed from a row with ``claimedColumns``, by
    /// position and with static types; the rest is what the claim set (running, no progress,
    /// details or error yet, heartbeat at the start).
    ///
    /// SQLKit's decoding by column name casts dynamically, cell by cell, and took a third of
    /// the engine's CPU at 10,000 runs per second; reading and decoding the columns the claim
    /// set was a third of what remained (measured with perf).
    init(claimedRow row: PostgresRow, worker: String) throws(UnreadableColumn) {
        let cells = row.makeRandomAccess()
        func cell<T: PostgresDecodable>(_ index: Int, _ type: T.Type = T.self) throws(UnreadableColumn) -> T {
            do { return try cells[index].decode(T.self) } catch {
                throw UnreadableColumn(
                    column: Self.claimedColumns[index].replacingOccurrences(of: "\"", with: ""), reason: "\(error)")
            }
        }
        let idText: String = try cell(0)
        guard let id = UUID(text: idText) else {
            throw UnreadableColumn(column: "id", reason: "'\(idText.prefix(40))' is not a UUID")
        }
        let triggerText: String = try cell(2)
        guard let trigger = RunTrigger(rawValue: triggerText) else {
            throw UnreadableColumn(column: "trigger", reason: "unknown trigger '\(triggerText.prefix(40))'")
        }
        let startedAt: Date = try cell(9)
        let windowFrom: Date? = try cell(11)
        let windowTo: Date? = try cell(12)
        self.init(
            id: id, job: try cell(1), status: .running, trigger: trigger, triggeredBy: try cell(3), scheduledFor: try cell(4),
            attempt: try cell(5), maxAttempts: try cell(6), runAfter: try cell(7), createdAt: try cell(8),
            startedAt: startedAt, heartbeatAt: startedAt, worker: worker, progress: 0,
            params: try Self.jsonObject(try cell(10), column: "params"),
            window: windowFrom.flatMap { from in windowTo.map { DateWindow(from: from, to: $0) } }, dryRun: try cell(13),
            cancelRequested: try cell(14), priority: try cell(15), queue: try cell(16), uniqueKey: try cell(17))
    }
}
