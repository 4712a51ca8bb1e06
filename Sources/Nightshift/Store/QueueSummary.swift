import Foundation

/// One queue at a glance: how many runs wait in it and since when the oldest due one has, and
/// how many run now.
public struct QueueSummary: Equatable, Sendable {
    /// Queued runs, due or not.
    public var depth: Int
    /// The `run_after` of the oldest due queued run; nil when none is due yet.
    public var oldestDue: Date?
    /// Runs running now.
    public var running: Int

    /// A summary.
    public init(depth: Int, oldestDue: Date?, running: Int = 0) {
        self.depth = depth
        self.oldestDue = oldestDue
        self.running = running
    }
}
