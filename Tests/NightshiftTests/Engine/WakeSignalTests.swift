import NightshiftTesting
import Testing

@testable import Nightshift

/// The signal every engine loop sleeps on: a wake-up is never lost, a wait ends at its time,
/// and cancellation ends it at once.
@Suite struct WakeSignalTests {
    @Test("a signal sent while nobody waits ends the next wait at once, and only that one")
    func keptForTheNextWait() async {
        let clock = ManualClock()
        let signal = WakeSignal(clock: clock)
        signal.signal()
        signal.signal()
        await signal.wait(for: .seconds(3600))
        let second = Task { await signal.wait(for: .seconds(60)) }
        await clock.waitForSleepers(atLeast: 1)
        #expect(clock.uptime == .zero, "two signals before a wait count as one")
        clock.advance(by: .seconds(60))
        await second.value
    }

    @Test("a wait ends when signalled, before its time")
    func endsWhenSignalled() async {
        let clock = ManualClock()
        let signal = WakeSignal(clock: clock)
        let waiting = Task { await signal.wait(for: .seconds(3600)) }
        await clock.waitForSleepers(atLeast: 1)
        signal.signal()
        await waiting.value
        #expect(clock.uptime == .zero)
    }

    @Test("a wait ends at its time by the clock")
    func endsAtItsTime() async {
        let clock = ManualClock()
        let signal = WakeSignal(clock: clock)
        let waiting = Task { await signal.wait(for: .seconds(10)) }
        await clock.waitForSleepers(atLeast: 1)
        clock.advance(by: .seconds(9))
        #expect(clock.sleeperCount == 1, "not yet")
        clock.advance(by: .seconds(1))
        await waiting.value
    }

    @Test("cancelling the waiting task ends its wait at once and stops its timer")
    func cancellation() async {
        let clock = ManualClock()
        let signal = WakeSignal(clock: clock)
        let waiting = Task { await signal.wait(for: .seconds(3600)) }
        await clock.waitForSleepers(atLeast: 1)
        waiting.cancel()
        await waiting.value
        #expect(clock.uptime == .zero)
    }
}
