import Foundation
import Logging
import NightshiftTesting
import Testing

@testable import Nightshift

/// Alert checks run on the leader only: a failing job opens its incident when this instance
/// leads, and nothing is judged when it does not.
@Suite struct AlertChecksTests {
    @Test("only the leader judges: the same failures open an incident once it leads")
    func leaderOnly() async throws {
        let clock = ManualClock()
        let store = MemoryJobStore(clock: clock)
        let job = try Job(name: "flaky", policies: JobPolicies(alertAfterFailures: 1)) { _ in [:] }
        try await store.register([JobRegistration(job)])
        let run = try await store.start(NewRun(job: "flaky"), worker: "w")
        _ = try await store.complete([
            RunCompletion(runID: run.id, job: "flaky", attempt: 1, outcome: .finished(.failed), error: "down")
        ])
        let monitor = AlertMonitor(store: store, jobs: [job], configuration: EngineConfiguration(), logger: Logger(label: "test"))
        await AlertChecks(monitor: monitor, interval: .seconds(5), isLeader: { false }).pass()
        #expect(try await store.incidents(openOnly: true, limit: 10).isEmpty)
        await AlertChecks(monitor: monitor, interval: .seconds(5), isLeader: { true }).pass()
        #expect(try await store.incidents(openOnly: true, limit: 10).map(\.job) == ["flaky"])
    }
}
