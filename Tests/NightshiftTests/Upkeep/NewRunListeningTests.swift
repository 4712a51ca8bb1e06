import Foundation
import Logging
import NightshiftTesting
import Synchronization
import Testing

@testable import Nightshift

/// Listening: a run enqueued anywhere wakes the workers, and a listen that fails is tried again
/// after the configured delay on the engine's clock.
@Suite struct NewRunListeningTests {
    /// Announcements that fail the first `failures` times, then listen until cancelled.
    final class Flaky: NewRunAnnouncements {
        private let left: Atomic<Int>
        private let calls = Atomic(0)
        var listens: Int { calls.load(ordering: .relaxed) }
        init(failures: Int) { left = Atomic(failures) }

        func listenForNewRuns(_ wake: @escaping @Sendable () -> Void) async throws {
            calls.add(1, ordering: .relaxed)
            if left.subtract(1, ordering: .relaxed).newValue >= 0 { throw CancellationError() }
            wake()
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
        }
    }

    @Test("a run enqueued on the store wakes the workers")
    func wakesOnEnqueue() async throws {
        let clock = ManualClock()
        let store = MemoryJobStore(clock: clock)
        let wakes = Atomic(0)
        let listening = NewRunListening(
            configuration: .init(retryAfter: .seconds(5)), store: store, wake: { wakes.add(1, ordering: .relaxed) },
            clock: clock, logger: Logger(label: "test"))
        let running = Task { await listening.pass() }
        try await UpkeepRunnerTests.waitFor("a wake") {
            if wakes.load(ordering: .relaxed) > 0 { return true }
            Task { _ = try? await store.enqueue([NewRun(job: "j")]) }
            return false
        }
        running.cancel()
        await running.value
    }

    @Test("after a failed listen it listens again once the delay has passed on the clock")
    func retriesAfterTheDelay() async throws {
        let clock = ManualClock()
        let store = Flaky(failures: 1)
        let wakes = Atomic(0)
        let listening = NewRunListening(
            configuration: .init(retryAfter: .seconds(5)), store: store, wake: { wakes.add(1, ordering: .relaxed) },
            clock: clock, logger: Logger(label: "test"))
        let running = Task { await listening.pass() }
        try await UpkeepRunnerTests.waitFor("the wait after the failure") { clock.sleeperCount == 1 }
        #expect(store.listens == 1)
        clock.advance(by: .seconds(5))
        try await UpkeepRunnerTests.waitFor("the second listen") { wakes.load(ordering: .relaxed) == 1 }
        #expect(store.listens == 2)
        running.cancel()
        await running.value
    }
}
