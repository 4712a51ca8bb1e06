import Foundation

/// The statistics of finished runs the leader keeps up to date, so charts over a day or a week
/// read a few hundred summary rows instead of millions of runs: counts, summed and bucketed
/// durations per outcome, per minute and per hour.
public enum RunStatistics {
    /// The sizes of the kept buckets, in seconds.
    public static let minute = 60
    /// See ``minute``.
    public static let hour = 3600
    /// How long minute rows are kept.
    public static let minutesKept: Duration = .seconds(2 * 86_400)
    /// How long hour rows are kept.
    public static let hoursKept: Duration = .seconds(35 * 86_400)
    /// How far back a store that never kept statistics starts: the longest chart's window.
    public static let backfill: Duration = .seconds(7 * 86_400)
    /// How far behind now the mark stays: a run stamped with its end time just before a pass
    /// but committed just after it would otherwise never be counted.
    public static let lag: Duration = .seconds(5)

    /// How old the mark may be before readers count the runs after it themselves: an older
    /// mark means no engine keeps the statistics now. A fresh one is read alone, so a chart
    /// under a heavy load reads summary rows only, a few seconds behind.
    public static let staleAfter: Duration = .seconds(30)

    /// Where readers start reading runs themselves: after a mark that is absent or stale
    /// (see ``staleAfter``); nil when the kept statistics are fresh.
    public static func unkeptStart(mark: Date?, since: Date, now: Date) -> Date? {
        guard let mark else { return since }
        return now.timeIntervalSince(mark) > staleAfter.inSeconds ? max(since, mark) : nil
    }

    /// The kept bucket size that serves charts of `bucketSeconds`: hours for whole hours,
    /// else minutes.
    public static func keptSize(for bucketSeconds: Int) -> Int {
        bucketSeconds >= hour && bucketSeconds % hour == 0 ? hour : minute
    }

    /// `runs` (finished runs with their durations) counted per `bucketSeconds` of their end and per
    /// outcome; what each store's summary of a range holds.
    public static func buckets(
        of runs: some Sequence<(status: RunStatus, endedAt: Date, runSeconds: Double, waitSeconds: Double)>,
        bucketSeconds: Int
    ) -> [FinishedRunBucket] {
        let singles = runs.map { run in
            var runHistogram = DurationHistogram()
            runHistogram.add(seconds: run.runSeconds)
            var waitHistogram = DurationHistogram()
            waitHistogram.add(seconds: run.waitSeconds)
            return FinishedRunBucket(
                start: run.endedAt, status: run.status, count: 1, runSeconds: run.runSeconds, waitSeconds: run.waitSeconds,
                runHistogram: runHistogram, waitHistogram: waitHistogram)
        }
        return FinishedRunBucket.regrouped(singles, bucketSeconds: bucketSeconds)
    }

    /// Failed runs counted per hour of their end, job and ``FailureFingerprint``; what each
    /// store keeps of a range.
    public static func failureBuckets(of failures: some Sequence<(job: String, error: String, endedAt: Date)>)
        -> [(start: Date, group: FailureGroup)]
    {
        var buckets: [String: (start: Date, group: FailureGroup)] = [:]
        let size = Double(hour)
        for failure in failures {
            let start = Date(timeIntervalSince1970: (failure.endedAt.timeIntervalSince1970 / size).rounded(.down) * size)
            let fingerprint = FailureFingerprint.of(failure.error)
            let key = "\(start.timeIntervalSince1970)\u{0}\(failure.job)\u{0}\(fingerprint)"
            var entry =
                buckets[key] ?? (start, FailureGroup(job: failure.job, error: fingerprint, count: 0, newestAt: failure.endedAt))
            entry.group.count += 1
            entry.group.newestAt = max(entry.group.newestAt, failure.endedAt)
            buckets[key] = entry
        }
        return buckets.values.sorted { ($0.start, $0.group.job, $0.group.error) < ($1.start, $1.group.job, $1.group.error) }
    }
}
