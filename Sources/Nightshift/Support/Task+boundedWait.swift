import Synchronization

extension Task where Success == Void, Failure == Never {
    /// Waits for the task to end, but no longer than `limit` on `clock`; returns whether it ended.
    ///
    /// Awaiting `value` waits for good when the task hangs in a call that ignores cancellation
    /// (PostgresNIO waiting on a connection lost in an outage), and cancelling the awaiting task
    /// does not help: `value` is not cancellable. Shutdown paths use this instead, so that one
    /// stuck call leaves a task behind rather than a process that never exits.
    @discardableResult
    public func ended(within limit: Duration, clock: any EngineClock = SystemClock()) async -> Bool {
        let outcome = BoundedWaitOutcome()
        let ended = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            outcome.continuation = continuation
            outcome.timer = Task<Void, Never> {
                try? await clock.sleep(for: limit)
                outcome.resume(ended: false)
            }
            Task<Void, Never> {
                await self.value
                outcome.resume(ended: true)
            }
        }
        outcome.timer?.cancel()
        return ended
    }
}

/// The first of a bounded wait's two endings: the task ended, or the time ran out.
private final class BoundedWaitOutcome: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Bool, Never>?
        var timer: Task<Void, Never>?
        var resumed = false
    }

    private let state = Mutex(State())

    var continuation: CheckedContinuation<Bool, Never>? {
        get { state.withLock { $0.continuation } }
        set { state.withLock { $0.continuation = newValue } }
    }

    var timer: Task<Void, Never>? {
        get { state.withLock { $0.timer } }
        set { state.withLock { $0.timer = newValue } }
    }

    /// Resumes the waiter with `ended`, once: the later ending does nothing.
    func resume(ended: Bool) {
        let continuation = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard !state.resumed else { return nil }
            state.resumed = true
            return state.continuation
        }
        continuation?.resume(returning: ended)
    }
}
