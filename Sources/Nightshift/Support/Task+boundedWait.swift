import Synchronization

extension Task where Failure == Never {
    /// The task's value, or nil when it has not ended within `limit` on `clock`, or when the
    /// waiting task is cancelled (the task itself goes on).
    ///
    /// Awaiting `value` waits for good when the task hangs in a call that ignores cancellation
    /// (PostgresNIO waiting on a connection lost in an outage), and cancelling the awaiting task
    /// does not help: `value` is not cancellable. Shutdown paths and the scheduler use this
    /// instead, so that one stuck call leaves a task behind rather than a process that never
    /// exits or never schedules again.
    public func value(within limit: Duration, clock: any EngineClock = SystemClock()) async -> Success? {
        let outcome = BoundedWaitOutcome<Success>()
        let value = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Success?, Never>) in
                outcome.keep(continuation)
                outcome.keep(
                    timer: Task<Void, Never> {
                        try? await clock.sleep(for: limit)
                        outcome.resume(with: nil)
                    })
                Task<Void, Never> { outcome.resume(with: await self.value) }
            }
        } onCancel: {
            outcome.resume(with: nil)
        }
        outcome.stopTimer()
        return value
    }
}

extension Task where Success == Void, Failure == Never {
    /// Waits for the task to end, but no longer than `limit` on `clock`; returns whether it ended.
    @discardableResult
    public func ended(within limit: Duration, clock: any EngineClock = SystemClock()) async -> Bool {
        await value(within: limit, clock: clock) != nil
    }
}

/// The first of a bounded wait's two endings: the task's value, or the time running out.
private final class BoundedWaitOutcome<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value?, Never>?
        var timer: Task<Void, Never>?
        var resumed = false
        /// An ending that came before the waiter was kept (a cancellation), given to it then.
        var early: Value??
    }

    private let state = Mutex(State())

    /// Keeps the waiter, or resumes it at once with an ending that came first.
    func keep(_ continuation: CheckedContinuation<Value?, Never>) {
        let early = state.withLock { state -> Value?? in
            guard let early = state.early else {
                state.continuation = continuation
                return nil
            }
            state.resumed = true
            return early
        }
        if let early { continuation.resume(returning: early) }
    }

    /// Keeps the timer that ends the wait, to stop it when the task ends first.
    func keep(timer: Task<Void, Never>) {
        state.withLock { $0.timer = timer }
    }

    /// Resumes the waiter with `value`, once: the later ending does nothing.
    func resume(with value: Value?) {
        let continuation = state.withLock { state -> CheckedContinuation<Value?, Never>? in
            guard !state.resumed else { return nil }
            guard let continuation = state.continuation else {
                if state.early == nil { state.early = .some(value) }
                return nil
            }
            state.resumed = true
            return continuation
        }
        continuation?.resume(returning: value)
    }

    /// Cancels the timer, so that it does not sleep on after the task ended.
    func stopTimer() {
        state.withLock { $0.timer }?.cancel()
    }
}
