import Foundation
import Logging
import NightshiftTesting
import Testing

@testable import Nightshift

/// Pruning on the memory store: the leader deletes finished runs past their retention, other
/// instances leave them, and settings that cannot work are refused.
@Suite struct HistoryPruningTests {
    func pruning(_ store: MemoryJobStore, leader: Bool, chunkSize: Int = HistoryPruning.Configuration.defaultChunkSize)
        -> HistoryPruning
    {
        let retention = HistoryRetention(defaultRule: .init(keep: .seconds(3600), keepFailed: .seconds(3600)))
        return HistoryPruning(
            configuration: .init(retention: retention, chunkSize: chunkSize), store: store, isLeader: { leader },
            logger: Logger(label: "test"))
    }

    @Test("the leader deletes runs that ended before their retention; another instance does not")
    func leaderPrunes() async throws {
        let clock = ManualClock()
        let store = MemoryJobStore(clock: clock)
        let run = try await store.start(NewRun(job: "j"), worker: "w")
        _ = try await store.complete([RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: .succeeded)])
        clock.advance(by: .seconds(3601))
        await pruning(store, leader: false).pass()
        #expect(try await store.run(id: run.id) != nil)
        await pruning(store, leader: true).pass()
        #expect(try await store.run(id: run.id) == nil)
    }

    @Test("the default interval is ten minutes; a chunk size of zero is refused with the setting's name")
    func settings() throws {
        let store = MemoryJobStore()
        #expect(pruning(store, leader: true).period == .seconds(600))
        #expect(throws: UpkeepSettingError.self) { try pruning(store, leader: true, chunkSize: 0).validate() }
    }
}
