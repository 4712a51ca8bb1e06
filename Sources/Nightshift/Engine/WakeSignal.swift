import Synchronization

/// Lets a polling loop sleep until either its interval passes or something wakes it early (a
/// worker slot freed, shutdown begun). A wake-up that comes while nobody waits is kept for the
/// next wait.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())
    private let clock: any EngineClock

    /// A signal whose waits time out by `clock`.
    init(clock: any EngineClock) {
        self.clock = clock
    }

    /// Wakes the waiter, or the next one.
    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns after `duration` by the clock, or earlier when signalled or cancelled.
    func wait(for duration: Duration) async {
        let timer = Task {
            try await clock.sleep(for: duration)
            self.signal()
        }
        // Cancellation ends the wait at once, as a signal would.
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
        timer.cancel()
    }
}
