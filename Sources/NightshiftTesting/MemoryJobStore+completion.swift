import Foundation
import Nightshift

extension MemoryJobStore {
    /// Successes first, then the other endings in the order given, as the SQL stores apply a
    /// batch: a job's last error is that of its last failure in the batch.
    public func complete(_ completions: [RunCompletion]) async throws -> Set<UUID> {
        let now = clock.now
        let ordered = completions.filter { $0.outcome == .succeeded } + completions.filter { $0.outcome != .succeeded }
        return mutate { state, effects in
            var applied: Set<UUID> = []
            for completion in ordered {
                guard var run = state.runs[completion.runID], run.status == .running, run.attempt == completion.attempt
                else { continue }
                state.attempts[run.id, default: []].append(
                    AttemptRecord(
                        attempt: run.attempt, outcome: completion.outcome.metricStatus, worker: run.worker,
                        startedAt: run.startedAt, endedAt: now, error: completion.error, output: completion.output))
                run.details = completion.details
                run.error = completion.error
                switch completion.outcome {
                case .succeeded:
                    run.status = .succeeded
                    run.endedAt = now
                    run.heartbeatAt = now
                    run.progress = 100
                    state.jobs[run.job]?.consecutiveErrors = 0
                    state.jobs[run.job]?.lastSuccessAt = now
                case .retry(let backoff):
                    run.status = .queued
                    run.attempt += 1
                    run.runAfter = now.addingTimeInterval(backoff.inSeconds)
                    run.worker = nil
                    run.cancelRequested = false
                    effects.announce = true
                case .finished(let status):
                    run.status = status
                    run.endedAt = now
                    run.heartbeatAt = now
                    if status.isFailure {
                        Self.countFailure(of: run.job, error: completion.error ?? status.rawValue, now: now, in: &state)
                    }
                }
                state.runs[run.id] = run
                applied.insert(run.id)
            }
            return applied
        }
    }

    public func rescueOrphans(staleAfter: Duration, sparing held: @escaping @Sendable () throws -> Set<UUID>) async throws
        -> [Run]
    {
        let spared = try held()
        let now = clock.now
        let staleBefore = now.addingTimeInterval(-staleAfter.inSeconds)
        return mutate { state, effects in
            var rescued: [Run] = []
            var failedJobs: [String: String] = [:]
            for var run in state.runs.values {
                guard run.status == .running, let heartbeat = run.heartbeatAt, heartbeat < staleBefore, !spared.contains(run.id)
                else { continue }
                state.attempts[run.id, default: []].append(
                    AttemptRecord(
                        attempt: run.attempt, outcome: "lost", worker: run.worker, startedAt: run.startedAt, endedAt: now,
                        error: "worker stopped heartbeating", output: nil))
                run.error = "worker \(run.worker ?? "?") stopped heartbeating; the run was rescued"
                run.runAfter = now
                run.worker = nil
                if run.attempt < run.maxAttempts {
                    run.status = .queued
                    run.attempt += 1
                    run.endedAt = nil
                    effects.announce = true
                } else {
                    run.status = run.maxAttempts > 1 ? .discarded : .failed
                    run.endedAt = now
                    failedJobs[run.job] = failedJobs[run.job] ?? run.error
                }
                state.runs[run.id] = run
                rescued.append(run)
            }
            for (job, error) in failedJobs { Self.countFailure(of: job, error: error, now: now, in: &state) }
            return rescued
        }
    }

    /// Adds a failure to the job's consecutive count and keeps its error.
    private static func countFailure(of job: String, error: String, now: Date, in state: inout State) {
        state.jobs[job]?.consecutiveErrors += 1
        state.jobs[job]?.lastFailureAt = now
        state.jobs[job]?.lastError = error
    }

    public func prune(_ retention: HistoryRetention, chunkSize: Int) async throws -> Int {
        let now = clock.now
        return mutate { state, _ in
            let expired = state.runs.values.filter { run in
                guard run.status.isFinished, let ended = run.endedAt else { return false }
                let rule = retention.jobRules[run.job] ?? retention.defaultRule
                let keep = run.status.isFailure ? rule.keepFailed : rule.keep
                return ended < now.addingTimeInterval(-keep.inSeconds)
            }
            for run in expired {
                state.runs[run.id] = nil
                state.attempts[run.id] = nil
            }
            return expired.count
        }
    }
}
