import Foundation
import Nightshift

extension MemoryJobStore {
    /// The runs that ended in `[from, to)`, counted per bucket and outcome.
    static func finishedRuns(in state: State, from: Date, to: Date, bucketSeconds: Int) -> [FinishedRunBucket] {
        let ended = state.runs.values.compactMap { run -> (RunStatus, Date, Double, Double)? in
            guard run.status.isFinished, let ended = run.endedAt, ended >= from, ended < to else { return nil }
            let began = run.startedAt ?? ended
            return (run.status, ended, ended.timeIntervalSince(began), began.timeIntervalSince(run.runAfter))
        }
        return RunStatistics.buckets(of: ended, bucketSeconds: bucketSeconds)
    }

    public func summarizeFinishedRuns(before: Date, span: Duration) async throws -> Date {
        mutate { state, _ in
            let from = state.statisticsMark ?? before.addingTimeInterval(-RunStatistics.backfill.inSeconds)
            let to = max(from, min(before, from.addingTimeInterval(span.inSeconds)))
            for size in [RunStatistics.minute, RunStatistics.hour] {
                for bucket in Self.finishedRuns(in: state, from: from, to: to, bucketSeconds: size) {
                    state.statistics[Self.statisticsKey(size, bucket), default: .init(start: bucket.start, status: bucket.status)]
                        .merge(bucket)
                }
            }
            for failure in Self.failures(in: state, from: from, to: to) {
                let key = "\(failure.start.timeIntervalSince1970)\u{0}\(failure.group.job)\u{0}\(failure.group.error)"
                if let kept = state.failureStatistics[key] {
                    state.failureStatistics[key] = (
                        failure.start, FailureGroup.merged([kept.group, failure.group], limit: 1)[0]
                    )
                } else {
                    state.failureStatistics[key] = failure
                }
            }
            let minutesFrom = to.addingTimeInterval(-RunStatistics.minutesKept.inSeconds)
            let hoursFrom = to.addingTimeInterval(-RunStatistics.hoursKept.inSeconds)
            state.statistics = state.statistics.filter { key, bucket in
                bucket.start >= (key.hasPrefix("\(RunStatistics.minute) ") ? minutesFrom : hoursFrom)
            }
            for run in state.runs.values where run.status.isFinished {
                guard let ended = run.endedAt, ended >= from, ended < to else { continue }
                let minute = Double(RunStatistics.minute)
                let start = Date(timeIntervalSince1970: (ended.timeIntervalSince1970 / minute).rounded(.down) * minute)
                state.queueStatistics[QueueMinute(start: start, queue: run.queue), default: 0] += 1
            }
            state.failureStatistics = state.failureStatistics.filter { $0.value.start >= hoursFrom }
            state.queueStatistics = state.queueStatistics.filter { $0.key.start >= minutesFrom }
            state.statisticsMark = to
            return to
        }
    }

    public func runStatistics(since: Date, bucketSeconds: Int) async throws -> [FinishedRunBucket] {
        state.withLock { state in
            let size = RunStatistics.keptSize(for: bucketSeconds)
            let firstKept = Date(
                timeIntervalSince1970: (since.timeIntervalSince1970 / Double(size)).rounded(.down) * Double(size))
            let kept = state.statistics.filter { $0.key.hasPrefix("\(size) ") && $0.value.start >= firstKept }.map(\.value)
            let start = RunStatistics.unkeptStart(mark: state.statisticsMark, since: since, now: clock.now)
            let recent = start.map { Self.finishedRuns(in: state, from: $0, to: .distantFuture, bucketSeconds: size) } ?? []
            return FinishedRunBucket.regrouped(kept + recent, bucketSeconds: bucketSeconds)
        }
    }

    private static func statisticsKey(_ size: Int, _ bucket: FinishedRunBucket) -> String {
        "\(size) \(bucket.start.timeIntervalSince1970) \(bucket.status.rawValue)"
    }
}
