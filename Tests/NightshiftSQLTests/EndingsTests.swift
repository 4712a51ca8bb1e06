import Foundation
import Logging
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import Synchronization
import Testing

@testable import Nightshift

/// Endings are never dropped, and no instance records another's live run as lost.
@Suite struct EndingsTests {
    let logger = Logger(label: "endings-test")

    @Test("an ending whose write keeps failing is written once the store answers", arguments: TestStoreKind.available)
    func endingsOutlastAnOutage(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = SlowStore(base: test.store)
            _ = try await store.enqueue((0..<3).map { _ in NewRun(job: "j", trigger: .manual) })
            let claimed = try await store.claim(limit: 3, jobs: ["j"], queues: .any, worker: "w")
            // The batcher used to give up after three retries and leave the runs to orphan rescue.
            store.failCompletions(8)
            let batcher = CompletionBatcher(store: store, logger: logger, retryDelays: [.milliseconds(10), .milliseconds(20)])
            let writer = Task { await batcher.run() }
            for run in claimed { batcher.submit(RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: .succeeded)) }
            batcher.finish()
            await writer.value
            for run in claimed { #expect(try await test.store.run(id: run.id)?.status == .succeeded) }
        }
    }

    @Test("after the store failed, orphan rescue waits a lease, so live instances can heartbeat first")
    func noRescueRightAfterAnOutage() async throws {
        let clock = ManualClock()
        let memory = MemoryJobStore(clock: clock)
        let store = SlowStore(base: memory)
        // A run another instance holds; its heartbeats stop during the outage.
        let run = try await memory.start(NewRun(job: "elsewhere"), worker: "other-instance")
        store.failClaims(1_000_000)
        var configuration = EngineConfiguration(
            concurrency: 1, pollInterval: .seconds(1), leaseDuration: .seconds(30), shutdownGracePeriod: .seconds(1))
        configuration.clock = clock
        let engine = NightshiftEngine(
            store: store, jobs: [try Job(name: "local") { _ in [:] }], configuration: configuration, logger: logger)
        let task = Task { try await engine.run() }
        await store.waitForFailedClaims(atLeast: 1)
        // Three leases of failing claims, one a second: without the wait, rescued after the first.
        for second in 1...90 {
            clock.advance(by: .seconds(1))
            engine.wake()
            await store.waitForFailedClaims(atLeast: second + 1)
        }
        #expect(try await memory.run(id: run.id)?.status == .running, "rescued while the store was failing")
        store.failClaims(0)
        for _ in 0..<120 where try await memory.run(id: run.id)?.status == .running {
            clock.advance(by: .seconds(1))
            engine.wake()
            try? await memory.waitUntil(timeout: .milliseconds(20)) { $0.runs.first?.status != .running }
        }
        let rescued = try #require(try await memory.run(id: run.id))
        #expect(rescued.status == .failed, "rescued once the store had answered for a lease")
        // A lease after the last failed claim, which came at 89 or 90 s: a wake and a poll can both
        // claim within one second, so the count the loop waits for may be reached a second early.
        #expect(clock.uptime >= .seconds(89 + 30))
        engine.shutDown()
        try await task.value
    }

    @Test("a foreground run is never taken by a serving instance, retries included", arguments: TestStoreKind.available)
    func foregroundRunsStayForeground(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let job = try Job(name: "j", policies: JobPolicies(retry: RetryPolicy(maxAttempts: 2, backoffBase: .seconds(0)))) {
                context in
                try await Task.sleep(for: .milliseconds(20))
                if context.attempt == 1 { throw TestFailure(message: "first attempt fails") }
                return [:]
            }
            let serving = NightshiftEngine(
                store: test.store, jobs: [job],
                // Leases long enough that no heartbeat lags past them on a loaded machine: the
                // serving instance must not get the run through orphan rescue either.
                configuration: EngineConfiguration(
                    concurrency: 4, pollInterval: .seconds(0.01), leaseDuration: .seconds(10), shutdownGracePeriod: .seconds(2)),
                logger: logger)
            let task = Task { try await serving.run() }
            let runner = ForegroundRunner(
                store: test.store, configuration: EngineConfiguration(instanceID: "cli", leaseDuration: .seconds(10)),
                logger: logger)
            for _ in 0..<10 {
                let run = try await runner.run(job, as: NewRun(job: "j", trigger: .manual))
                #expect(
                    run.status == .succeeded && run.attempt == 2 && run.worker == "cli", "\(run.status) by \(run.worker ?? "-")")
            }
            serving.shutDown()
            try await task.value
        }
    }

    @Test("a foreground run's heartbeat goes on after failed beats", arguments: TestStoreKind.available)
    func foregroundHeartbeatSurvivesErrors(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = SlowStore(base: test.store)
            store.failHeartbeats(3)
            // Runs until two beats after the failed ones went through, or 20 s: a beat every
            // 0.2 s, the first three fail, the later ones must still come (the heartbeat task
            // used to end at its first error).
            let job = try Job(name: "long") { _ in
                let deadline = ContinuousClock.now + .seconds(20)
                while store.heartbeatsWritten < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
                return [:]
            }
            let runner = ForegroundRunner(
                store: store, configuration: EngineConfiguration(instanceID: "cli", leaseDuration: .seconds(0.6)), logger: logger)
            let run = try await runner.run(job, as: NewRun(job: "long", trigger: .manual))
            #expect(run.status == .succeeded)
            #expect(store.heartbeatsWritten >= 2, "\(store.heartbeatsWritten) heartbeats after the failed ones")
        }
    }
}
