import Foundation
import Logging
import NightshiftTesting
import Testing

@testable import Nightshift

/// Heartbeats on the memory store: the instance's row is written with what it holds, kept
/// alive by every pass, and marked stopped at the end.
@Suite struct InstanceHeartbeatsTests {
    @Test("a pass writes the instance's row; a later one moves its heartbeat; the last says it stopped")
    func beats() async throws {
        let clock = ManualClock()
        let store = MemoryJobStore(clock: clock)
        let configuration = EngineConfiguration(instanceID: "instance-a", concurrency: 7)
        let workers = WorkerPool(
            store: store, jobs: [:], configuration: configuration, logger: Logger(label: "test"),
            health: StoreHealth(clock: clock))
        let heartbeats = InstanceHeartbeats(
            configuration: .init(interval: .seconds(10), instanceID: "instance-a", concurrency: 7), store: store,
            workers: workers, clock: clock, logger: Logger(label: "test"))
        #expect(heartbeats.period == .seconds(10) && heartbeats.passesAtStart)
        await heartbeats.pass()
        let first = try #require(try await store.instances().first)
        #expect(first.id == "instance-a" && first.concurrency == 7 && first.running == 0 && first.stoppedAt == nil)
        clock.advance(by: .seconds(10))
        await heartbeats.pass()
        let second = try #require(try await store.instances().first)
        #expect(second.heartbeatAt == first.heartbeatAt.addingTimeInterval(10) && second.startedAt == first.startedAt)
        await heartbeats.beat(stopping: true)
        #expect(try await store.instances().first?.stoppedAt == clock.now)
    }
}
