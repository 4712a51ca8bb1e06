import Foundation
import Logging
import NightshiftTesting
import Testing

@testable import Nightshift

/// Orphan rescue on the memory store and the manual clock: a run whose heartbeat is older than
/// a lease goes back to the queue, one this instance holds is spared, and nothing is rescued
/// within a lease of a store failure.
@Suite struct OrphanRescueTests {
    func rescue(_ store: MemoryJobStore, health: StoreHealth, held: Set<UUID> = []) -> OrphanRescue {
        OrphanRescue(
            configuration: .init(staleAfter: .seconds(30)), store: store, health: health, held: { held },
            logger: Logger(label: "test"))
    }

    @Test("a run silent for a lease is requeued; a held one is spared however old its heartbeat")
    func rescuesAndSpares() async throws {
        let clock = ManualClock()
        let store = MemoryJobStore(clock: clock)
        let lost = try await store.start(NewRun(job: "j", maxAttempts: 2), worker: "dead-instance")
        let mine = try await store.start(NewRun(job: "j", maxAttempts: 2), worker: "this-instance")
        let health = StoreHealth(clock: clock)
        clock.advance(by: .seconds(29))
        await rescue(store, health: health, held: [mine.id]).pass()
        #expect(try await store.run(id: lost.id)?.status == .running, "29 s is within the lease")
        clock.advance(by: .seconds(2))
        await rescue(store, health: health, held: [mine.id]).pass()
        #expect(try await store.run(id: lost.id)?.status == .queued)
        #expect(try await store.run(id: mine.id)?.status == .running)
    }

    @Test("within a lease of a store failure nothing is rescued; a lease after it, the rescue goes on")
    func waitsAfterAFailure() async throws {
        let clock = ManualClock()
        let store = MemoryJobStore(clock: clock)
        let lost = try await store.start(NewRun(job: "j", maxAttempts: 2), worker: "dead-instance")
        let health = StoreHealth(clock: clock)
        clock.advance(by: .seconds(60))
        health.noteFailure()
        await rescue(store, health: health).pass()
        #expect(try await store.run(id: lost.id)?.status == .running, "other instances may not have heartbeat yet")
        clock.advance(by: .seconds(31))
        await rescue(store, health: health).pass()
        #expect(try await store.run(id: lost.id)?.status == .queued)
    }
}
