import Foundation
import Nightshift

extension MemoryJobStore {
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
}
