import Foundation

/// One attempt of a run as the store keeps it: who ran it, when, how it ended, and the tail of
/// its output (a `command` job's last lines), whatever the ending.
public struct AttemptRecord: Sendable, Equatable, Codable {
    /// The attempt's number, from 1.
    public var attempt: Int
    /// How it ended: `succeeded`, `retrying` (failed, and the run was queued again), `failed`,
    /// `discarded`, `cancelled`, or `lost` (its worker stopped heartbeating).
    public var outcome: String
    /// The instance that ran it.
    public var worker: String?
    /// When it started.
    public var startedAt: Date?
    /// When it ended.
    public var endedAt: Date
    /// Why it did not succeed.
    public var error: String?
    /// The last lines of its output, when the job reports output.
    public var output: String?

    /// An attempt as recorded.
    public init(
        attempt: Int, outcome: String, worker: String?, startedAt: Date?, endedAt: Date, error: String?, output: String?
    ) {
        self.attempt = attempt
        self.outcome = outcome
        self.worker = worker
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.error = error
        self.output = output
    }
}
