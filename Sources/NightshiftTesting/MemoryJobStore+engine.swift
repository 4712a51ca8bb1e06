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
}
