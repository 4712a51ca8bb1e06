import Foundation
import Synchronization

/// Writes attempt endings in batches: endings that arrive while a write is in flight go out
/// together in the next one, so a busy instance commits once for many runs instead of once per
/// run, and an idle one still writes each ending at once.
final class CompletionBatcher: Sendable {
    private typealias Waiter = (completion: RunCompletion, continuation: CheckedContinuation<Bool, any Error>)
    private struct State {
        var pending: [Waiter] = []
        var flushing = false
    }

    private let store: any JobStore
    private let maximumBatch: Int
    private let state = Mutex(State())

    init(store: any JobStore, maximumBatch: Int = 500) {
        self.store = store
        self.maximumBatch = maximumBatch
    }

    /// Records `completion`; true when it applied (the run was still running at that attempt).
    func complete(_ completion: RunCompletion) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            let startFlushing = state.withLock { state -> Bool in
                state.pending.append((completion, continuation))
                guard !state.flushing else { return false }
                state.flushing = true
                return true
            }
            if startFlushing { Task { await self.flush() } }
        }
    }

    private func flush() async {
        while true {
            let batch = state.withLock { state -> [Waiter] in
                guard !state.pending.isEmpty else {
                    state.flushing = false
                    return []
                }
                let batch = Array(state.pending.prefix(maximumBatch))
                state.pending.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let applied = try await store.complete(batch.map(\.completion))
                for waiter in batch { waiter.continuation.resume(returning: applied.contains(waiter.completion.runID)) }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
