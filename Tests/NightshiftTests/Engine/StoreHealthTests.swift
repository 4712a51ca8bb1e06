import Testing

@testable import Nightshift

@Suite struct StoreHealthTests {
    struct Outage: Error {}

    @Test("a failed or slow store call counts as a failure; a quick one does not")
    func slowCallsCount() async throws {
        let health = StoreHealth(slowAfter: .milliseconds(100))
        _ = await health.checked { 1 }
        #expect(health.sinceLastFailure == nil)
        // While PostgreSQL is down its pool makes calls wait rather than fail.
        _ = try await health.checked {
            try await Task.sleep(for: .milliseconds(300))
            return 1
        }
        let afterSlow = try #require(health.sinceLastFailure)
        #expect(afterSlow < .seconds(5))

        let failing = StoreHealth(slowAfter: .seconds(10))
        await #expect(throws: Outage.self) { try await failing.checked { throw Outage() } }
        #expect(failing.sinceLastFailure != nil)
    }
}
