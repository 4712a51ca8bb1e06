import Synchronization

/// A first-come-first-served lock for async code: serializes use of the one SQLite connection,
/// so a transaction never interleaves with another task's statements. A waiting task that is
/// cancelled keeps its place and takes its turn (its body sees the cancellation): a statement
/// must not slip in between another task's.
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    init() {}

    /// How many tasks wait for the lock now.
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Runs `body` while holding the lock.
    func withLock<R>(_ body: () async throws -> R) async throws -> R {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { continuation in
            let granted = state.withLock { state -> Bool in
                if state.locked {
                    state.waiters.append(continuation)
                    return false
                }
                state.locked = true
                return true
            }
            if granted { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.locked = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
