import Foundation

/// What job health needs to know of a job's `running` runs, counted by the store in one
/// grouped statement rather than read run by run (status took 210 ms at 14,640 queued runs).
public struct RunningSummary: Equatable, Sendable {
    /// How many runs are running.
    public var count: Int
    /// The oldest last sign of life among them: the heartbeat, or the start if none yet.
    public var oldestHeartbeat: Date?
    /// The earliest start among them.
    public var oldestStart: Date?

    /// A summary of `count` running runs.
    public init(count: Int, oldestHeartbeat: Date?, oldestStart: Date?) {
        self.count = count
        self.oldestHeartbeat = oldestHeartbeat
        self.oldestStart = oldestStart
    }

    /// The summary of `runs` (those running count), as the store computes it.
    public init(of runs: [Run]) {
        let running = runs.filter { $0.status == .running }
        self.init(
            count: running.count, oldestHeartbeat: running.compactMap { $0.heartbeatAt ?? $0.startedAt }.min(),
            oldestStart: running.compactMap(\.startedAt).min())
    }
}
