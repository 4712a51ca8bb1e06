import Foundation
import NightshiftTesting
import Testing

/// The test clock: sleepers wake in deadline order, each seeing its own deadline, and
/// cancellation ends a sleep at once.
@Suite struct ManualClockTests {
    @Test("advancing wakes due sleepers, earliest first, and moves the wall clock with the uptime")
    func advancing() async throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let clock = ManualClock(now: start)
        let woken = AsyncStream<Int>.makeStream()
        for seconds in [30, 10, 20] {
            Task {
                try await clock.sleep(for: .seconds(seconds))
                woken.continuation.yield(seconds)
            }
        }
        await clock.waitForSleepers(atLeast: 3)
        clock.advance(by: .seconds(25))
        var iterator = woken.stream.makeAsyncIterator()
        let first = await iterator.next()
        let second = await iterator.next()
        #expect(Set([first, second]) == [10, 20])
        #expect(clock.sleeperCount == 1)
        #expect(clock.now == start.addingTimeInterval(25) && clock.uptime == .seconds(25))
        clock.advance(to: start.addingTimeInterval(30))
        #expect(await iterator.next() == 30)
        clock.advance(to: start)
        #expect(clock.now == start.addingTimeInterval(30), "the clock never goes back")
    }

    @Test("a cancelled sleep throws at once; a sleep of zero returns at once")
    func cancellation() async throws {
        let clock = ManualClock()
        let sleeping = Task { try await clock.sleep(for: .seconds(3600)) }
        await clock.waitForSleepers(atLeast: 1)
        sleeping.cancel()
        await #expect(throws: CancellationError.self) { try await sleeping.value }
        #expect(clock.sleeperCount == 0)
        try await clock.sleep(for: .zero)
    }
}
