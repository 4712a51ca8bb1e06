import Foundation
import Logging
import NightshiftTesting
import Testing

@testable import Nightshift

/// Statistics on the memory store: a pass counts the runs that ended before the lag, and a
/// second pass counts nothing twice.
@Suite struct RunStatisticsKeepingTests {
    @Test("a pass counts runs that ended more than the lag ago, once")
    func countsOnce() async throws {
        let clock = ManualClock()
        let store = MemoryJobStore(clock: clock)
        let since = clock.now.addingTimeInterval(-60)
        let keeping = RunStatisticsKeeping(configuration: .init(), store: store, logger: Logger(label: "test"))
        for _ in 0..<3 {
            let run = try await store.start(NewRun(job: "j"), worker: "w")
            _ = try await store.complete([RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: .succeeded)])
        }
        await keeping.pass()
        #expect(try await store.runStatistics(since: since, bucketSeconds: 60).map(\.count).reduce(0, +) == 0, "within the lag")
        clock.advance(by: RunStatistics.lag + .seconds(1))
        await keeping.pass()
        await keeping.pass()
        let counted = try await store.runStatistics(since: since, bucketSeconds: 60)
        #expect(counted.filter { $0.status == .succeeded }.map(\.count).reduce(0, +) == 3)
    }
}
