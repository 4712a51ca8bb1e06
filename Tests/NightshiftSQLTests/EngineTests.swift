import Foundation
import Logging
import Nightshift
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import Synchronization
import Testing

/// The engine end to end on real stores, with short intervals: what only a real database shows
/// (the engine's behaviour is tested on the memory store, in `NightshiftTests`).
@Suite struct EngineTests {
    static let fast = EngineConfiguration(
        concurrency: 4, pollInterval: .seconds(0.05), leaseDuration: .seconds(1.5), shutdownGracePeriod: .seconds(2))
    let logger = Logger(label: "engine-test")

    func runEngine(_ store: any JobStore, jobs: [Job], until done: @escaping @Sendable () async throws -> Bool) async throws {
        let engine = NightshiftEngine(store: store, jobs: jobs, configuration: Self.fast, logger: logger)
        let task = Task { try await engine.run() }
        let deadline = ContinuousClock.now + .seconds(20)
        while try await !done(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        engine.shutDown()
        try await task.value
    }

    @Test(
        "an error text with a NUL character is recorded, and does not sink the other endings of its batch",
        arguments: TestStoreKind.available)
    func nulInError(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let binary = try Job(name: "binary") { _ in throw TestFailure(message: "read \u{0}\u{1} from the socket") }
            let fine = try Job(name: "fine") { _ in [:] }
            let runs = try await test.store.enqueue(
                [NewRun(job: "binary", trigger: .manual)] + (0..<20).map { _ in NewRun(job: "fine", trigger: .manual) })
            try await runEngine(test.store, jobs: [binary, fine]) {
                try await test.store.activeRuns().isEmpty
            }
            let failed = try #require(try await test.store.run(id: runs[0].id))
            #expect(failed.status == .failed && failed.error == "read \u{FFFD}\u{1} from the socket")
            #expect(try await test.store.runs(RunQuery(job: "fine", status: .succeeded)).count == 20)
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
