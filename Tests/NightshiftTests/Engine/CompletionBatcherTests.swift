import Foundation
import Logging
import NightshiftTesting
import Synchronization
import Testing

@testable import Nightshift

/// The one writer of endings: everything handed in is written, in batches, before it returns.
@Suite struct CompletionBatcherTests {
    @Test("every ending handed in before finish() is written, each reported once, and then the writer returns")
    func writesEverything() async throws {
        let store = MemoryJobStore(clock: ManualClock())
        let runs = try await store.enqueue((0..<250).map { _ in NewRun(job: "j") })
        let claimed = try await store.claim(limit: 250, jobs: ["j"], queues: .any, worker: "w")
        #expect(claimed.count == runs.count)
        let batcher = CompletionBatcher(store: store, logger: Logger(label: "batcher-test"), maximumBatch: 100)
        let writer = Task { await batcher.run() }
        let reported = Mutex<[UUID]>([])
        for run in claimed {
            batcher.submit(RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: .succeeded)) {
                reported.withLock { $0.append(run.id) }
            }
        }
        batcher.finish()
        await writer.value
        #expect(Set(reported.withLock { $0 }) == Set(runs.map(\.id)) && reported.withLock { $0.count } == runs.count)
        #expect(store.snapshot.runs.allSatisfy { $0.status == .succeeded })
    }

    @Test("the writer waits for endings while the engine runs, and writes each as it comes")
    func waitsForWork() async throws {
        let store = MemoryJobStore(clock: ManualClock())
        let batcher = CompletionBatcher(store: store, logger: Logger(label: "batcher-test"))
        let writer = Task { await batcher.run() }
        for index in 0..<3 {
            let run = try await store.start(NewRun(job: "j"), worker: "w")
            batcher.submit(RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: .succeeded))
            try await store.waitUntil("ending \(index) written") { $0.runs.allSatisfy { $0.status == .succeeded } }
        }
        batcher.finish()
        await writer.value
    }
}
