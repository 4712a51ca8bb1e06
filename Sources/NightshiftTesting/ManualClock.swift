import Foundation
import Nightshift
import Synchronization

/// A clock that moves only when the test moves it: the engine's cron fires, retries, timeouts,
/// heartbeats and leases happen at once when the test calls ``advance(by:)``, without sleeping.
///
/// ```swift
/// let clock = ManualClock(now: try Date("2027-03-14T06:59:00Z", strategy: .iso8601))
/// clock.advance(by: .seconds(60))
/// ```
public final class ManualClock: EngineClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: Duration
        let continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now: Date
        var uptime: Duration = .zero
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        var sleeperWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }
    private let state: Mutex<State>

    /// A clock reading `now` (by default 2027-01-15 00:00 UTC) until moved.
    public init(now: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        state = Mutex(State(now: now))
    }

    public var now: Date { state.withLock { $0.now } }

    public var uptime: Duration { state.withLock { $0.uptime } }

    /// How many tasks are sleeping on this clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (resumeNow, waiters) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
                    guard duration > .zero else { return (true, []) }
                    state.sleepers.append(Sleeper(id: id, deadline: state.uptime + duration, continuation: continuation))
                    return (false, Self.satisfiedWaiters(&state))
                }
                for waiter in waiters { waiter.resume() }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward by `duration`, waking every sleeper whose time has come, the
    /// earliest first, each with the clock reading its own deadline.
    public func advance(by duration: Duration) {
        let target = state.withLock { $0.uptime } + duration
        while let due = nextDue(before: target) {
            due.continuation.resume()
        }
        state.withLock { state in
            let step = target - state.uptime
            state.uptime = target
            state.now = state.now.addingTimeInterval(step.inSeconds)
        }
    }

    /// Moves the clock forward to `date`; does nothing when the clock is already past it.
    public func advance(to date: Date) {
        let step = date.timeIntervalSince(now)
        guard step > 0 else { return }
        advance(by: .seconds(step))
    }

    /// Returns once at least `count` tasks sleep on this clock: a test waits for the engine to
    /// be idle before moving the clock.
    public func waitForSleepers(atLeast count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                guard state.sleepers.count < count else { return true }
                state.sleeperWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Removes the earliest sleeper due by `target`, moving the clock to its deadline.
    private func nextDue(before target: Duration) -> Sleeper? {
        state.withLock { state -> Sleeper? in
            guard let index = state.sleepers.indices.min(by: { state.sleepers[$0].deadline < state.sleepers[$1].deadline }),
                state.sleepers[index].deadline <= target
            else { return nil }
            let sleeper = state.sleepers.remove(at: index)
            if sleeper.deadline > state.uptime {
                state.now = state.now.addingTimeInterval((sleeper.deadline - state.uptime).inSeconds)
                state.uptime = sleeper.deadline
            }
            return sleeper
        }
    }

    private static func satisfiedWaiters(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        let count = state.sleepers.count
        let ready = state.sleeperWaiters.filter { $0.count <= count }.map(\.continuation)
        state.sleeperWaiters.removeAll { $0.count <= count }
        return ready
    }
}
