import Foundation
import Nightshift

extension MemoryJobStore {
    public func runs(_ query: RunQuery) async throws -> [Run] {
        state.withLock { state in
            var runs = Self.ordered(state.runs).reversed().filter { run in
                (query.job.map { run.job == $0 } ?? true) && (query.statuses.map { $0.contains(run.status) } ?? true)
                    && (query.idPrefix.map { run.id.lowercasedText.hasPrefix($0) } ?? true)
                    && (query.paramValue.map { value in
                        RunQuery.paramValueFragments(value).contains { run.params.jsonText.contains($0) }
                    } ?? true)
                    && (query.trigger.map { run.trigger == $0 } ?? true) && (query.queue.map { run.queue == $0 } ?? true)
                    && (query.since.map { run.createdAt >= $0 } ?? true) && (query.until.map { run.createdAt < $0 } ?? true)
            }
            if let before = query.before {
                guard let cursor = state.runs[before] else { return [] }
                runs = runs.filter { ($0.createdAt, $0.id.uuidString) < (cursor.createdAt, cursor.id.uuidString) }
            }
            return Array(runs.prefix(max(1, query.limit)))
        }
    }

    public func run(id: UUID) async throws -> Run? {
        state.withLock { $0.runs[id] }
    }

    public func runs(ids: [UUID]) async throws -> [Run] {
        state.withLock { state in Set(ids).compactMap { state.runs[$0] } }
    }

    public func recentRuns(of jobs: [String], limit: Int) async throws -> [String: [RunMark]] {
        let wanted = Set(jobs)
        return state.withLock { state in
            Dictionary(grouping: Self.ordered(state.runs).reversed().filter { wanted.contains($0.job) }, by: \.job)
                .mapValues { runs in
                    runs.prefix(max(1, limit)).map { RunMark(id: $0.id, status: $0.status, createdAt: $0.createdAt) }
                }
        }
    }

    public func failureGroups(since: Date, limit: Int) async throws -> [FailureGroup] {
        state.withLock { state in
            let hour = Double(RunStatistics.hour)
            let firstKept = Date(timeIntervalSince1970: (since.timeIntervalSince1970 / hour).rounded(.down) * hour)
            let kept = state.failureStatistics.values.filter { $0.start >= firstKept }.map(\.group)
            let start = RunStatistics.unkeptStart(mark: state.statisticsMark, since: since, now: clock.now)
            let recent = start.map { Self.failures(in: state, from: $0, to: .distantFuture) } ?? []
            return FailureGroup.merged(kept + recent.map(\.group), limit: limit)
        }
    }

    /// The failed and discarded runs that ended in `[from, to)`, per hour, job and fingerprint.
    static func failures(in state: State, from: Date, to: Date) -> [(start: Date, group: FailureGroup)] {
        RunStatistics.failureBuckets(
            of: state.runs.values.compactMap { run in
                guard run.status.isFailure, let ended = run.endedAt, ended >= from, ended < to else { return nil }
                return (run.job, run.error ?? "", ended)
            })
    }

    public func queueSummaries() async throws -> [String: QueueSummary] {
        let now = clock.now
        return state.withLock { state in
            var summaries = Dictionary(grouping: state.runs.values.filter { $0.status == .queued }, by: \.queue).mapValues {
                runs in
                QueueSummary(depth: runs.count, oldestDue: runs.map(\.runAfter).filter { $0 <= now }.min())
            }
            for run in state.runs.values where run.status == .running {
                summaries[run.queue, default: QueueSummary(depth: 0, oldestDue: nil)].running += 1
            }
            return summaries
        }
    }

    public func queueThroughput(since: Date) async throws -> [String: Int] {
        let now = clock.now
        return state.withLock { state in
            let minute = Double(RunStatistics.minute)
            let firstKept = Date(timeIntervalSince1970: (since.timeIntervalSince1970 / minute).rounded(.down) * minute)
            var counts: [String: Int] = [:]
            for (key, runs) in state.queueStatistics where key.start >= firstKept { counts[key.queue, default: 0] += runs }
            if let start = RunStatistics.unkeptStart(mark: state.statisticsMark, since: since, now: now) {
                for run in state.runs.values where run.status.isFinished && (run.endedAt ?? .distantPast) >= start {
                    counts[run.queue, default: 0] += 1
                }
            }
            return counts
        }
    }

    public func pausedQueues() async throws -> Set<String> {
        state.withLock { $0.pausedQueues }
    }

    public func activeRuns() async throws -> [Run] {
        state.withLock { state in Self.ordered(state.runs).filter { !$0.status.isFinished } }
    }

    public func runningSummaries() async throws -> [String: RunningSummary] {
        state.withLock { state in
            Dictionary(grouping: state.runs.values.filter { $0.status == .running }, by: \.job).mapValues {
                RunningSummary(of: $0)
            }
        }
    }

    public func lastFinishedRuns(of jobs: [String]) async throws -> [String: Run] {
        let wanted = Set(jobs)
        return state.withLock { state in
            let finished = state.runs.values.filter {
                wanted.contains($0.job) && $0.status.isFinished && $0.status != .skipped && $0.endedAt != nil
            }
            return Dictionary(grouping: finished, by: \.job).compactMapValues { runs in
                runs.max { ($0.endedAt!, $0.id.uuidString) < ($1.endedAt!, $1.id.uuidString) }
            }
        }
    }

    public func attempts(of id: UUID) async throws -> [AttemptRecord] {
        state.withLock { $0.attempts[id] ?? [] }
    }
}
