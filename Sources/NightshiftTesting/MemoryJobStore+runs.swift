import Foundation
import Nightshift

extension MemoryJobStore {

    public func recordFires(_ fires: [ScheduledFire]) async throws -> [FireOutcome] {
        let now = clock.now
        return mutate { state, effects in
            fires.map { fire in
                if state.runs.values.contains(where: { $0.job == fire.job && $0.scheduledFor == fire.scheduledFor }) {
                    return .duplicate
                }
                let skip =
                    fire.missedReason != nil
                    || fire.overlap == .forbid && state.runs.values.contains { $0.job == fire.job && !$0.status.isFinished }
                let reason = fire.missedReason ?? ScheduledFire.overlapSkipReason
                let run = Run(
                    id: .version7(at: now), job: fire.job, status: skip ? .skipped : .queued, trigger: .schedule,
                    scheduledFor: fire.scheduledFor, maxAttempts: fire.maxAttempts, runAfter: now, createdAt: now,
                    endedAt: skip ? now : nil, error: skip ? reason : nil, queue: fire.queue)
                state.runs[run.id] = run
                if skip {
                    state.jobs[fire.job]?.noteMissed(
                        fire.scheduledFor, count: fire.missedReason == nil ? 1 : fire.missedCount, reason: reason)
                }
                effects.announce = true
                if fire.overlap == .replace {
                    let reason = "replaced by the fire at \(fire.scheduledFor)"
                    for (id, other) in state.runs where other.job == fire.job && id != run.id {
                        if other.status == .queued {
                            state.runs[id]?.status = .cancelled
                            state.runs[id]?.endedAt = now
                            state.runs[id]?.error = reason
                        } else if other.status == .running {
                            state.runs[id]?.cancelRequested = true
                            state.runs[id]?.error = reason
                        }
                    }
                }
                return skip ? .skipped : .queued
            }
        }
    }

    public func enqueue(_ runs: [NewRun]) async throws -> [Run] {
        let now = clock.now
        return mutate { state, effects in
            effects.announce = !runs.isEmpty
            return runs.compactMap { request in
                if let key = request.uniqueKey {
                    if let existing = state.runs.values.first(where: { $0.uniqueKey == key && !$0.status.isFinished }) {
                        return existing
                    }
                }
                guard state.runs[request.id] == nil else { return nil }
                let run = Run(
                    id: request.id, job: request.job, status: .queued, trigger: request.trigger,
                    triggeredBy: request.triggeredBy, maxAttempts: request.maxAttempts, runAfter: request.runAfter ?? now,
                    createdAt: now, params: request.params, window: request.window, dryRun: request.dryRun,
                    priority: request.priority, queue: request.queue, uniqueKey: request.uniqueKey)
                state.runs[run.id] = run
                return run
            }
        }
    }

    public func claim(limit: Int, jobs: [String], queues: QueueFilter, worker: String) async throws -> [Run] {
        guard limit > 0, !jobs.isEmpty else { return [] }
        let now = clock.now
        let names = Set(jobs)
        return mutate { state, _ in
            let pausedJobs = Set(state.jobs.values.filter(\.paused).map(\.name))
            let runnable = state.runs.values.filter { run in
                guard run.status == .queued, run.runAfter <= now, names.contains(run.job), !pausedJobs.contains(run.job),
                    !state.pausedQueues.contains(run.queue)
                else { return false }
                switch queues {
                case .any: return true
                case .only(let only): return only.contains(run.queue)
                case .excluding(let excluded): return !excluded.contains(run.queue)
                }
            }
            let next = runnable.sorted {
                ($0.priority, $0.runAfter, $0.id.uuidString) < ($1.priority, $1.runAfter, $1.id.uuidString)
            }.prefix(limit)
            return next.map { Self.claimRun($0.id, worker: worker, now: now, in: &state) }
        }
    }

    public func claim(runID: UUID, worker: String) async throws -> Run? {
        let now = clock.now
        return mutate { state, _ in
            guard state.runs[runID]?.status == .queued else { return nil }
            return Self.claimRun(runID, worker: worker, now: now, in: &state)
        }
    }

    public func start(_ run: NewRun, worker: String) async throws -> Run {
        _ = try await enqueue([run])
        guard let started = try await claim(runID: run.id, worker: worker) else { throw EngineError.runMissing(run.id) }
        return started
    }

    /// Starts the attempt of queued run `id` for `worker`, as a claim does.
    private static func claimRun(_ id: UUID, worker: String, now: Date, in state: inout State) -> Run {
        var run = state.runs[id]!
        run.status = .running
        run.startedAt = now
        run.heartbeatAt = now
        run.worker = worker
        run.progress = 0
        run.endedAt = nil
        run.details = [:]
        run.error = nil
        state.runs[id] = run
        return run
    }

    public func release(_ runIDs: [UUID], worker: String) async throws {
        mutate { state, effects in
            for id in runIDs where state.runs[id]?.status == .running && state.runs[id]?.worker == worker {
                state.runs[id]?.status = .queued
                state.runs[id]?.startedAt = nil
                state.runs[id]?.heartbeatAt = nil
                state.runs[id]?.worker = nil
                effects.announce = true
            }
        }
    }

    public func heartbeat(_ progress: [UUID: Int], worker: String) async throws -> Set<UUID> {
        let now = clock.now
        return mutate { state, _ in
            var cancelled: Set<UUID> = []
            for (id, value) in progress where state.runs[id]?.status == .running && state.runs[id]?.worker == worker {
                state.runs[id]?.heartbeatAt = now
                state.runs[id]?.progress = value
                if state.runs[id]?.cancelRequested == true { cancelled.insert(id) }
            }
            return cancelled
        }
    }

    public func requestCancel(runIDs: [UUID], by who: String?) async throws -> Set<UUID> {
        let now = clock.now
        return mutate { state, _ in
            var cancelled = Set<UUID>()
            for runID in runIDs {
                guard let run = state.runs[runID], !run.status.isFinished else { continue }
                if run.status == .queued {
                    state.runs[runID]?.status = .cancelled
                    state.runs[runID]?.endedAt = now
                }
                state.runs[runID]?.error = who.map { "cancelled by \($0)" } ?? "cancelled by request"
                state.runs[runID]?.cancelRequested = true
                cancelled.insert(runID)
            }
            return cancelled
        }
    }

    // MARK: Reading

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
