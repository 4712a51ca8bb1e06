import Foundation

/// How many runs took how long, in fixed buckets from 5 ms to 2 hours and beyond: what the
/// kept statistics hold instead of every duration, and what p50 and p95 are estimated from.
///
/// Histograms of any two periods add up, so a day's p95 comes from its minutes' histograms
/// without reading a run.
public struct DurationHistogram: Equatable, Sendable {
    /// The upper bounds, in seconds, of every bucket but the last, which holds the rest.
    public static let bounds: [Double] = [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200,
    ]

    /// The runs in each bucket: one more than ``bounds``.
    public private(set) var counts: [Int]

    /// An empty histogram.
    public init() { counts = Array(repeating: 0, count: Self.bounds.count + 1) }

    /// The histogram written as ``text``; nil when `text` is not one (a damaged row is read as
    /// no data rather than stopping the page).
    public init?(text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == Self.bounds.count + 1 else { return nil }
        var counts: [Int] = []
        for part in parts {
            guard let count = Int(part), count >= 0 else { return nil }
            counts.append(count)
        }
        self.counts = counts
    }

    /// The counts separated by commas, as the stores keep them.
    public var text: String { counts.map(String.init).joined(separator: ",") }

    /// The index of the bucket holding `seconds` (negative durations, from clocks apart, count as 0).
    public static func bucket(of seconds: Double) -> Int {
        bounds.firstIndex { seconds <= $0 } ?? bounds.count
    }

    /// The number of runs.
    public var total: Int { counts.reduce(0, +) }

    /// Counts `count` runs more in bucket `index` (ignored outside the buckets).
    public mutating func add(bucket index: Int, count: Int = 1) {
        guard counts.indices.contains(index) else { return }
        counts[index] += count
    }

    /// Counts one run of `seconds`.
    public mutating func add(seconds: Double) { add(bucket: Self.bucket(of: seconds)) }

    /// Adds every run of `other`.
    public mutating func merge(_ other: DurationHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
    }

    /// The estimated duration under which a `fraction` (0.5 for p50) of the runs fall: linear
    /// within the bucket where it lies, as Prometheus estimates; the last bucket answers its
    /// lower bound. Nil when there is no run.
    public func quantile(_ fraction: Double) -> Double? {
        let total = self.total
        guard total > 0 else { return nil }
        let rank = min(max(fraction, 0), 1) * Double(total)
        var below = 0
        for (index, count) in counts.enumerated() where count > 0 {
            if Double(below + count) >= rank {
                guard index < Self.bounds.count else { return Self.bounds[Self.bounds.count - 1] }
                let lower = index == 0 ? 0 : Self.bounds[index - 1]
                let upper = Self.bounds[index]
                return lower + (upper - lower) * max(0, rank - Double(below)) / Double(count)
            }
            below += count
        }
        return Self.bounds[Self.bounds.count - 1]
    }
}
