import Foundation
import Nightshift
import NightshiftTesting
import Synchronization
import Testing

/// The engine's behaviour on the memory store with a manual clock: retries, timeouts,
/// catch-up, overlap, rescue, shutdown and cron across a DST change, each in milliseconds.
@Suite struct EngineBehaviourTests {
    /// 2027-01-15 08:00 UTC.
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a job failing twice then succeeding with max_attempts 3 is retried after each backoff")
    func retries() async throws {
        let calls = Atomic<Int>(0)
        let job = try Job(name: "flaky", policies: JobPolicies(retry: RetryPolicy(maxAttempts: 3, backoffBase: .seconds(10)))) {
            _ in
            let call = calls.add(1, ordering: .relaxed).newValue
            if call < 3 { throw TestFailure(message: "failure \(call)") }
            return ["call": .number(Double(call))]
        }
        let harness = try await EngineHarness(jobs: [job])
        let run = try await harness.enqueue(NewRun(job: "flaky", maxAttempts: 3))[0]
        for attempt in 2...3 {
            try await harness.waitUntil("attempt \(attempt) queued") { $0.runs.first?.attempt == attempt }
            let waiting = try #require(try await harness.store.run(id: run.id))
            #expect(waiting.status == .queued && waiting.error == "failure \(attempt - 1)")
            #expect(waiting.runAfter > harness.clock.now, "the retry waits for its backoff")
            harness.advance(to: waiting.runAfter)
        }
        try await harness.waitUntil("the run succeeded") { $0.runs.first?.status == .succeeded }
        let final = try #require(try await harness.store.run(id: run.id))
        #expect(final.attempt == 3 && final.details == ["call": 3])
        #expect(harness.store.snapshot.jobs["flaky"]?.consecutiveErrors == 0)
        try await harness.stop()
    }

    @Test("an instance without scheduled jobs leads only while no job has a schedule, and leaves the lease to one that does")
    func leadershipNeedsSchedules() async throws {
        let onDemand = try Job(name: "dashboard-only") { _ in [:] }
        let harness = try await EngineHarness(jobs: [onDemand])
        // Alone, it leads: alerts and pruning are the leader's work.
        let deadline = ContinuousClock.now + .seconds(60)
        while !harness.engine.isLeader, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(harness.engine.isLeader)
        // An app's instance registers a scheduled job on the same store.
        let report = try Job(name: "morning-report", schedule: try Schedule("0 9 * * *")) { _ in [:] }
        try await harness.store.register([JobRegistration(report)])
        while harness.engine.isLeader, ContinuousClock.now < deadline {
            harness.advance(by: .seconds(10))
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(!harness.engine.isLeader, "the job-less instance left the lease")
        #expect(try await harness.store.acquireLease("scheduler", holder: "app", duration: .seconds(30)))
        try await harness.stop()
    }

    @Test("a job past its timeout is stopped and fails with a timeout error")
    func timeout() async throws {
        let job = try Job(name: "slow", policies: JobPolicies(timeout: .seconds(30))) { context in
            try await context.clock.sleep(for: .seconds(3600))
            return [:]
        }
        let harness = try await EngineHarness(jobs: [job])
        try await harness.enqueue(NewRun(job: "slow"))
        try await harness.advance(by: .seconds(5), until: "the run ended") { $0.runs.first?.status.isFinished == true }
        let final = try #require(harness.store.snapshot.runs.first)
        #expect(final.status == .failed && final.error == "timed out after 30s")
        #expect(harness.clock.now.timeIntervalSince(Self.start) >= 30)
        try await harness.stop()
    }

    @Test(
        "after downtime, catch_up decides which missed fires run", arguments: [(CatchUpPolicy.none, 0), (.latest, 1), (.all, 5)])
    func catchUp(policy: CatchUpPolicy, expected: Int) async throws {
        let job = try Job(
            name: "hourly", schedule: try Schedule("0 * * * *"), policies: JobPolicies(overlap: .allow, catchUp: policy)
        ) { _ in [:] }
        // Half past the hour, and the job last fired five hours before the last top of the hour.
        let now = Self.start.addingTimeInterval(1800)
        let clock = ManualClock(now: now)
        let store = MemoryJobStore(clock: clock)
        try await store.register([JobRegistration(job)])
        try await store.advanceWatermark(job: "hourly", to: Self.start.addingTimeInterval(-5 * 3600))
        let harness = try await EngineHarness(jobs: [job], store: store, clock: clock)
        try await harness.waitUntil("the watermark at the last fire and every run over") { snapshot in
            snapshot.jobs["hourly"]?.watermark == Self.start && snapshot.runs.allSatisfy(\.status.isFinished)
        }
        let snapshot = harness.store.snapshot
        let runs = snapshot.runs.filter { $0.status != .skipped }
        #expect(runs.count == expected, "catch_up \(policy)")
        #expect(runs.allSatisfy { $0.status == .succeeded })
        // The fires not run are in the history as skipped, with the reason, and counted for the
        // `missed` alert.
        let missed = snapshot.runs.filter { $0.status == .skipped }
        #expect(missed.count == 5 - expected)
        #expect(missed.allSatisfy { $0.error?.hasPrefix("missed: due while no scheduler ran") == true })
        #expect(snapshot.jobs["hourly"]?.missedFires == 5 - expected)
        try await harness.stop()
    }

    @Test("overlap forbid records a fire as skipped while the previous run is still going")
    func overlapForbid() async throws {
        let job = try Job(name: "minutely", schedule: try Schedule("* * * * *")) { context in
            try await context.clock.sleep(for: .seconds(90))
            return [:]
        }
        let harness = try await EngineHarness(jobs: [job])
        harness.advance(to: Self.start.addingTimeInterval(60))
        try await harness.waitUntil("the first fire running") { $0.runs.first?.status == .running }
        harness.advance(to: Self.start.addingTimeInterval(120))
        try await harness.waitUntil("the second fire skipped") { $0.runs.contains { $0.status == .skipped } }
        let skipped = try #require(harness.store.snapshot.runs.first { $0.status == .skipped })
        #expect(skipped.scheduledFor == Self.start.addingTimeInterval(120))
        #expect(skipped.error == "skipped: the previous run is still active (overlap: forbid)")
        try await harness.advance(by: .seconds(30), until: "the first run over") { $0.runs.first?.status == .succeeded }
        try await harness.stop()
    }

    @Test("a run whose worker stopped heartbeating is rescued after a lease and run again")
    func rescue() async throws {
        let job = try Job(name: "j") { _ in ["ran": true] }
        let clock = ManualClock(now: Self.start)
        let store = MemoryJobStore(clock: clock)
        let lost = try await store.start(NewRun(job: "j", maxAttempts: 2), worker: "dead-instance")
        let harness = try await EngineHarness(jobs: [job], store: store, clock: clock)
        harness.advance(by: .seconds(29))
        #expect(try await store.run(id: lost.id)?.status == .running, "a heartbeat 29 s old is within the 30 s lease")
        try await harness.advance(by: .seconds(10), until: "the rescued run succeeded") { $0.runs.first?.status == .succeeded }
        let final = try #require(try await store.run(id: lost.id))
        #expect(final.attempt == 2 && final.worker == "test-instance" && final.details == ["ran": true])
        try await harness.stop()
    }

    @Test("shutdown lets a job finish within the grace period and records one that does not")
    func shutdownGrace() async throws {
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let quick = try Job(name: "quick") { context in
            try await context.clock.sleep(for: .seconds(10))
            return ["finished": true]
        }
        let stubborn = try Job(name: "stubborn") { _ in
            // Ignores cancellation, as a call without cancellation support does.
            for await _ in release { break }
            return [:]
        }
        let harness = try await EngineHarness(jobs: [quick, stubborn]) { $0.shutdownGracePeriod = .seconds(30) }
        let runs = try await harness.enqueue(NewRun(job: "quick"), NewRun(job: "stubborn"))
        try await harness.waitUntil("both running") { $0.runs.allSatisfy { $0.status == .running } }
        let stopping = Task { try await harness.stop() }
        try await harness.advance(by: .seconds(5), until: "both recorded") { $0.runs.allSatisfy(\.status.isFinished) }
        try await stopping.value
        releaser.finish()
        #expect(try await harness.store.run(id: runs[0].id)?.status == .succeeded)
        let interrupted = try #require(try await harness.store.run(id: runs[1].id))
        #expect(interrupted.status == .cancelled && interrupted.error == "interrupted by shutdown after the grace period")
    }

    @Test("slow jobs are not prefetched: an instance holds no more runs than its slots, and the rest wait in the store")
    func slowJobsNotPrefetched() async throws {
        let job = try Job(name: "slow") { context in
            try await context.clock.sleep(for: .seconds(10))
            return [:]
        }
        let harness = try await EngineHarness(jobs: [job]) { $0.concurrency = 2 }
        for _ in 0..<10 { try await harness.enqueue(NewRun(job: "slow")) }
        for finished in stride(from: 2, through: 10, by: 2) {
            try await harness.waitUntil("two running") { $0.runs.filter { $0.status == .running }.count == 2 }
            #expect(harness.store.snapshot.runs.filter { $0.status == .running }.count == 2, "held beyond the slots")
            harness.advance(by: .seconds(10))
            try await harness.waitUntil("\(finished) done") { $0.runs.filter { $0.status == .succeeded }.count == finished }
        }
        try await harness.stop()
    }

    @Test("a daily 09:00 New York job fires at 14:00 UTC before the spring DST change and 13:00 UTC after")
    func cronAcrossDST() async throws {
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        let job = try Job(name: "morning", schedule: try Schedule("0 9 * * *", timeZone: newYork)) { _ in [:] }
        let saturday = try Date("2027-03-13T12:00:00Z", strategy: .iso8601)
        let harness = try await EngineHarness(jobs: [job], now: saturday)
        harness.advance(to: try Date("2027-03-13T14:00:00Z", strategy: .iso8601))
        try await harness.waitUntil("Saturday's run") { $0.runs.filter { $0.status == .succeeded }.count == 1 }
        harness.advance(to: try Date("2027-03-14T13:00:00Z", strategy: .iso8601))
        try await harness.waitUntil("Sunday's run") { $0.runs.filter { $0.status == .succeeded }.count == 2 }
        let fires = harness.store.snapshot.runs.compactMap(\.scheduledFor)
        #expect(
            fires == [try Date("2027-03-13T14:00:00Z", strategy: .iso8601), try Date("2027-03-14T13:00:00Z", strategy: .iso8601)])
        try await harness.stop()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
