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
    /// How long they ran, for percentiles.
    public var runHistogram: DurationHistogram
    /// How long they waited, for percentiles.
    public var waitHistogram: DurationHistogram

    /// A bucket.
    public init(
        start: Date, status: RunStatus, count: Int, runSeconds: Double, waitSeconds: Double,
        runHistogram: DurationHistogram = DurationHistogram(), waitHistogram: DurationHistogram = DurationHistogram()
    ) {
        self.start = start
        self.status = status
        self.count = count
        self.runSeconds = runSeconds
        self.waitSeconds = waitSeconds
        self.runHistogram = runHistogram
        self.waitHistogram = waitHistogram
    }

    /// An empty bucket.
    public init(start: Date, status: RunStatus) {
        self.init(start: start, status: status, count: 0, runSeconds: 0, waitSeconds: 0)
    }

    /// Adds the runs of `other` (of the same outcome, in a bucket this one spans).
    public mutating func merge(_ other: FinishedRunBucket) {
        count += other.count
        runSeconds += other.runSeconds
        waitSeconds += other.waitSeconds
        runHistogram.merge(other.runHistogram)
        waitHistogram.merge(other.waitHistogram)
    }

    /// `buckets` added up per outcome into buckets of `bucketSeconds` (counted from 1970), in
    /// time and outcome order.
    public static func regrouped(_ buckets: [FinishedRunBucket], bucketSeconds: Int) -> [FinishedRunBucket] {
        let size = Double(max(1, bucketSeconds))
        var grouped: [String: FinishedRunBucket] = [:]
        for bucket in buckets {
            let start = Date(timeIntervalSince1970: (bucket.start.timeIntervalSince1970 / size).rounded(.down) * size)
            grouped[
                "\(start.timeIntervalSince1970) \(bucket.status.rawValue)", default: .init(start: start, status: bucket.status)
            ]
            .merge(bucket)
        }
        return grouped.values.sorted { ($0.start, $0.status.rawValue) < ($1.start, $1.status.rawValue) }
    }
}
