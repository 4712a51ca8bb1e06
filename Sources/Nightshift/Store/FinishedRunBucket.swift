import Foundation

/// Finished runs of one outcome within one time bucket, by when they ended: what the
/// dashboard's runs-per-minute chart and its durations are drawn from.
public struct FinishedRunBucket: Equatable, Sendable {
    /// The bucket's start.
    public var start: Date
    /// The outcome.
    public var status: RunStatus
    /// How many runs ended with it.
    public var count: Int
    /// Their summed run time (start to end), in seconds.
    public var runSeconds: Double
    /// Their summed wait (due to start), in seconds.
    public var waitSeconds: Double

    /// A bucket.
    public init(start: Date, status: RunStatus, count: Int, runSeconds: Double, waitSeconds: Double) {
        self.start = start
        self.status = status
        self.count = count
        self.runSeconds = runSeconds
        self.waitSeconds = waitSeconds
    }
}
