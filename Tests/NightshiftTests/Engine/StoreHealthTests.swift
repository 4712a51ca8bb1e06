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
}
