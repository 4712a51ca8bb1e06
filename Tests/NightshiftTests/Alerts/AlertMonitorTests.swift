import Foundation
import Nightshift
import NightshiftTesting
import Synchronization
import Testing

/// Alerts end to end in the engine, on the memory store and the manual clock: conditions open
/// and resolve incidents once, and notifications reach channels, retried until taken.
@Suite struct AlertMonitorTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// Whether the flaky job fails.
    final class Failing: Sendable {
        private let value = Atomic(true)
        var isOn: Bool { value.load(ordering: .relaxed) }
        func stop() { value.store(false, ordering: .relaxed) }
    }

    /// A job that fails while `failing` is on.
    func flakyJob(_ failing: Failing, policies: JobPolicies = JobPolicies(alertAfterFailures: 3)) throws -> Job {
        try Job(name: "flaky", policies: policies) { _ in
            if failing.isOn { throw RecordingChannelDown() }
            return ["ok": true]
        }
    }

    func alerts(_ channels: RecordingChannel..., routes: [AlertRoute] = []) -> AlertSettings {
        AlertSettings(
            channels: Dictionary(uniqueKeysWithValues: channels.map { ($0.name, $0 as any AlertChannel) }), routes: routes,
            checkInterval: .seconds(5))
    }

    @Test("the third consecutive failure opens one failing incident, told once; a success resolves it, told once")
    func failingOpensAndResolves() async throws {
        let failing = Failing()
        let ops = RecordingChannel(name: "ops")
        let harness = try await EngineHarness(jobs: [try flakyJob(failing)], now: Self.start) { $0.alerts = alerts(ops) }
        for count in 1...5 {
            try await harness.enqueue(NewRun(job: "flaky"))
            try await harness.waitUntil("failure \(count)") { $0.jobs["flaky"]?.consecutiveErrors == count }
            harness.advance(by: .seconds(5))
        }
        try await harness.advance(by: .seconds(5), until: "the incident told", within: .seconds(60)) {
            $0.notifications.contains { $0.deliveredAt != nil }
        }
        #expect(harness.store.snapshot.incidents.count == 1)
        let opened = try #require(ops.events.first)
        #expect(opened.event == "failing" && opened.state == .open && opened.job == "flaky")
        #expect((opened.consecutiveFailures ?? 0) >= 3)
        #expect(opened.health == .failing && opened.run?.status == .failed)
        #expect(opened.summary.hasPrefix("flaky is failing:"))
        failing.stop()
        try await harness.enqueue(NewRun(job: "flaky"))
        try await harness.advance(by: .seconds(5), until: "the resolution told", within: .seconds(60)) { snapshot in
            snapshot.notifications.count == 2 && snapshot.notifications.allSatisfy { $0.deliveredAt != nil }
        }
        #expect(ops.events.map(\.state) == [.open, .resolved])
        #expect(ops.events.last?.incident == opened.incident)
        #expect(harness.store.snapshot.incidents.first?.resolvedAt != nil)
        try await harness.stop()
    }

    @Test("a channel that refuses is retried with backoff until it takes the notification, with the same key")
    func retriedUntilTaken() async throws {
        let failing = Failing()
        let ops = RecordingChannel(name: "ops", failures: 3)
        let harness = try await EngineHarness(jobs: [try flakyJob(failing, policies: JobPolicies(alertAfterFailures: 1))]) {
            $0.alerts = alerts(ops)
        }
        try await harness.enqueue(NewRun(job: "flaky"))
        try await harness.advance(by: .seconds(1), until: "the notification taken", within: .seconds(600)) {
            $0.notifications.first?.deliveredAt != nil
        }
        let notification = try #require(harness.store.snapshot.notifications.first)
        #expect(notification.attempts == 4 && notification.lastError == "the receiver answered 500")
        // 5 s, 10 s and 20 s after the refusals, so at least 35 s after it was written.
        #expect(try #require(notification.deliveredAt).timeIntervalSince(notification.createdAt) >= 35)
        #expect(ops.keys == [notification.id] && ops.events.count == 1)
        try await harness.stop()
    }

    @Test("a notification refused for longer than the give-up time is recorded as failed")
    func givesUp() async throws {
        let failing = Failing()
        let ops = RecordingChannel(name: "ops", failures: 1_000)
        let harness = try await EngineHarness(jobs: [try flakyJob(failing, policies: JobPolicies(alertAfterFailures: 1))]) {
            $0.alerts = alerts(ops)
            $0.alerts.giveUpAfter = .seconds(120)
        }
        try await harness.enqueue(NewRun(job: "flaky"))
        try await harness.advance(by: .seconds(10), until: "the notification given up", within: .seconds(3600)) {
            $0.notifications.first?.failedAt != nil
        }
        #expect(ops.events.isEmpty)
        try await harness.stop()
    }

    @Test("expect_success_within: a job that has not succeeded in time opens one overdue incident; a success resolves it")
    func overdue() async throws {
        let failing = Failing()
        let ops = RecordingChannel(name: "ops")
        let policies = JobPolicies(alertAfterFailures: 100, expectSuccessWithin: .seconds(30))
        let job = try flakyJob(failing, policies: policies)
        let harness = try await EngineHarness(jobs: [job]) { $0.alerts = alerts(ops) }
        try await harness.advance(by: .seconds(5), until: "the overdue incident told", within: .seconds(300)) {
            $0.notifications.contains { $0.deliveredAt != nil }
        }
        let opened = try #require(ops.events.first)
        #expect(opened.event == "overdue" && opened.health == .overdue && opened.detail["lastSuccessAt"] == .null)
        #expect(harness.clock.now.timeIntervalSince(Self.start) > 30)
        failing.stop()
        try await harness.enqueue(NewRun(job: "flaky"))
        try await harness.advance(by: .seconds(5), until: "the resolution told", within: .seconds(300)) {
            $0.notifications.filter { $0.deliveredAt != nil }.count == 2
        }
        #expect(ops.events.map(\.event) == ["overdue", "overdue"] && ops.events.last?.state == .resolved)
        #expect(harness.store.snapshot.incidents.count == 1)
        try await harness.stop()
    }

    @Test("fires lost while no scheduler ran open one missed incident naming them, and the gap one no_leader")
    func missedAndNoLeader() async throws {
        let ops = RecordingChannel(name: "ops")
        let job = try Job(
            name: "ten-seconds", schedule: try Schedule("@every 10s"), policies: JobPolicies(catchUp: .none)
        ) { _ in [:] }
        let clock = ManualClock(now: Self.start)
        let store = MemoryJobStore(clock: clock)
        // An earlier instance scheduled the job until it stopped, three minutes before the harness
        // starts.
        try await store.register([JobRegistration(job)])
        try await store.advanceWatermark(job: job.name, to: Self.start)
        #expect(try await store.acquireLease("scheduler", holder: "gone", duration: .seconds(30)))
        clock.advance(by: .seconds(180))
        let harness = try await EngineHarness(jobs: [job], store: store, clock: clock) { $0.alerts = alerts(ops) }
        try await harness.advance(by: .seconds(1), until: "both incidents told", within: .seconds(120)) {
            $0.notifications.filter { $0.deliveredAt != nil }.count >= 3
        }
        let missed = try #require(ops.events.first { $0.event == "missed" })
        // 18 fires were due; the newest is on time and runs, the 17 before it are lost.
        #expect(missed.state == .open && missed.detail["fires"] == .number(17))
        let skipped = harness.store.snapshot.runs.filter { $0.status == .skipped }
        #expect(skipped.count == 17 && skipped.allSatisfy { $0.error?.contains("catch_up: none") == true })
        let gap = ops.events.filter { $0.event == "no_leader" }
        #expect(gap.map(\.state) == [.open, .resolved])
        #expect(gap.first?.summary.hasPrefix("No scheduler ran for 150 s") == true, "\(gap.first?.summary ?? "")")
        // The next successful fire resolves the missed incident.
        try await harness.advance(by: .seconds(1), until: "missed resolved", within: .seconds(120)) { snapshot in
            snapshot.incidents.filter { $0.condition == .missed }.allSatisfy { $0.resolvedAt != nil }
        }
        try await harness.stop()
    }

    @Test("a queue whose oldest run waits longer than alert_backlog_age opens a backlog incident until it drains")
    func backlog() async throws {
        let ops = RecordingChannel(name: "ops")
        let job = try Job(name: "report", policies: JobPolicies(queue: "reports")) { _ in [:] }
        let harness = try await EngineHarness(jobs: [job]) {
            $0.alerts = alerts(ops)
            $0.alerts.backlogAges = ["reports": .seconds(60)]
        }
        try await harness.store.setQueuePaused("reports", paused: true)
        try await harness.enqueue(NewRun(job: "report", queue: "reports"))
        try await harness.advance(by: .seconds(5), until: "backlog told", within: .seconds(300)) {
            $0.notifications.contains { $0.deliveredAt != nil }
        }
        #expect(ops.events.first?.event == "backlog" && ops.events.first?.queue == "reports")
        try await harness.store.setQueuePaused("reports", paused: false)
        harness.engine.notifyEnqueued()
        try await harness.advance(by: .seconds(5), until: "backlog resolved", within: .seconds(300)) {
            $0.notifications.filter { $0.deliveredAt != nil }.count == 2
        }
        #expect(ops.events.last?.state == .resolved)
        try await harness.stop()
    }

    @Test("routes send each event only to its channels; without routes every channel hears everything")
    func routes() {
        let channels: [String: any AlertChannel] = [
            "ops": RecordingChannel(name: "ops"), "team": RecordingChannel(name: "team"),
            "pager": RecordingChannel(name: "pager"),
        ]
        let settings = AlertSettings(
            channels: channels,
            routes: [
                AlertRoute(events: [.failing, .dead], channels: ["ops", "pager"]),
                AlertRoute(jobs: ["telemetry-daily"], channels: ["team"]),
            ])
        #expect(settings.channels(for: .failing, job: "cleanup") == ["ops", "pager"])
        #expect(settings.channels(for: .failing, job: "telemetry-daily") == ["ops", "pager", "team"])
        #expect(settings.channels(for: .overdue, job: "telemetry-daily") == ["team"])
        #expect(settings.channels(for: .backlog, job: nil).isEmpty)
        #expect(AlertSettings(channels: settings.channels).channels(for: .backlog, job: nil) == ["ops", "pager", "team"])
        #expect(AlertSettings.retryDelay(afterAttempt: 1) == .seconds(5))
        #expect(AlertSettings.retryDelay(afterAttempt: 3) == .seconds(20))
        #expect(AlertSettings.retryDelay(afterAttempt: 40) == .seconds(600))
    }
}
