import Foundation
import Nightshift

/// Waits for runs to end, for triggers with `wait=true`: one poller asks the store about every
/// awaited run in one statement per tick, however many requests wait, and each request is
/// answered when its runs have ended, its time is up, or its task is cancelled (the trigger
/// cancels it when the client closes its connection).
///
/// Each waiting request used to poll each of its runs every 25 ms, and went on after its
/// client had left: twenty abandoned requests cost a core for 30 s.
actor RunEndWaiter {
    private struct Waiter {
        let runIDs: [UUID]
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<[Run]?, any Error>
    }
    private let store: any HistoryStore
    private let interval: Duration
    /// The most requests that wait at once; more are answered at once (202).
    let limit: Int
    private var waiters: [UUID: Waiter] = [:]
    private var polling = false

    init(store: any HistoryStore, interval: Duration = .milliseconds(100), limit: Int) {
        self.store = store
        self.interval = interval
        self.limit = limit
    }

    /// How many requests wait now.
    var waiting: Int { waiters.count }

    /// The runs once all have ended; nil when `timeout` passes first or when ``limit``
    /// requests wait already. Throws `CancellationError` when the calling task is cancelled.
    func wait(for runIDs: [UUID], timeout: Duration) async throws -> [Run]? {
        guard waiters.count < limit, !runIDs.isEmpty else { return nil }
        let token = UUID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard !Task.isCancelled else {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                waiters[token] = Waiter(runIDs: runIDs, deadline: .now + timeout, continuation: continuation)
                if !polling {
                    polling = true
                    Task { await self.poll() }
                }
            }
        } onCancel: {
            Task { await self.cancel(token) }
        }
    }

    private func cancel(_ token: UUID) {
        waiters.removeValue(forKey: token)?.continuation.resume(throwing: CancellationError())
    }

    /// Runs while anyone waits.
    private func poll() async {
        while !waiters.isEmpty {
            try? await Task.sleep(for: interval)
            let ids = Array(Set(waiters.values.flatMap(\.runIDs)))
            // A store that fails now may answer on the next tick; the deadline bounds the wait.
            let current = (try? await store.runs(ids: ids)) ?? []
            let byID = Dictionary(current.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let now = ContinuousClock.now
            for (token, waiter) in waiters {
                let runs = waiter.runIDs.compactMap { byID[$0] }
                if runs.count == waiter.runIDs.count, runs.allSatisfy(\.status.isFinished) {
                    waiters.removeValue(forKey: token)?.continuation.resume(returning: runs)
                } else if now >= waiter.deadline {
                    waiters.removeValue(forKey: token)?.continuation.resume(returning: nil)
                }
            }
        }
        polling = false
    }
}
