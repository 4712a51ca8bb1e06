import NightshiftTesting
import Testing

@testable import Nightshift

@Suite struct StoreHealthTests {
    struct Outage: Error {}

    @Test("a failed or slow store call counts as a failure; a quick one does not; the failure ages by the clock")
    func slowCallsCount() async throws {
        let clock = ManualClock()
        let health = StoreHealth(slowAfter: .seconds(10), clock: clock)
        _ = await health.checked { 1 }
        #expect(health.sinceLastFailure == nil)
        // While PostgreSQL is down its pool makes calls wait rather than fail.
        _ = await health.checked {
            clock.advance(by: .seconds(11))
            return 1
        }
        #expect(health.sinceLastFailure == .zero)
        clock.advance(by: .seconds(3))
        #expect(health.sinceLastFailure == .seconds(3))

        let failing = StoreHealth(slowAfter: .seconds(10), clock: clock)
        await #expect(throws: Outage.self) { try await failing.checked { throw Outage() } }
        #expect(failing.sinceLastFailure == .zero)
    }

    @Test("a call that hangs counts while it is slower than a heartbeat, and the store is unsettled until a lease after it ends")
    func hangingCallsCount() async throws {
        let clock = ManualClock()
        let health = StoreHealth(slowAfter: .seconds(10), clock: clock)
        let (started, callStarted) = AsyncStream<Void>.makeStream()
        let (release, releaseCall) = AsyncStream<Void>.makeStream()
        let call = Task {
            await health.checked {
                callStarted.yield()
                for await _ in release { break }
                return 1
            }
        }
        for await _ in started { break }
        #expect(health.sinceLastFailure == nil, "a call in flight for less than a heartbeat is not a failure")
        clock.advance(by: .seconds(11))
        #expect(health.sinceLastFailure == .zero, "a call that hangs counts before it ends")
        #expect(throws: StoreUnsettled.self) { try health.requireSettled(for: .seconds(30)) }
        releaseCall.yield()
        _ = await call.value
        clock.advance(by: .seconds(29))
        #expect(throws: StoreUnsettled.self) { try health.requireSettled(for: .seconds(30)) }
        clock.advance(by: .seconds(2))
        try health.requireSettled(for: .seconds(30))
    }
}
