import Foundation
import Testing

@testable import Nightshift

@Suite struct JobHealthTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func run(_ status: RunStatus, startedAgo: Double = 10, heartbeatAgo: Double = 1) -> Run {
        Run(
            id: UUID(), job: "j", status: status, trigger: .schedule, runAfter: now, createdAt: now,
            startedAt: now.addingTimeInterval(-startedAgo), heartbeatAt: now.addingTimeInterval(-heartbeatAgo))
    }

    func health(
        _ state: JobState = JobState(name: "j"), enabled: Bool = true, timeout: Duration? = .seconds(60), active: [Run] = [],
        last: Run? = nil
    ) -> JobHealth {
        JobHealth.derive(
            state: state, enabled: enabled, policies: JobPolicies(timeout: timeout, alertAfterFailures: 3),
            running: active.isEmpty ? nil : RunningSummary(of: active),
            lastFinished: last, heartbeatTimeout: .seconds(30), now: now)
    }

    @Test("health states, most urgent first")
    func states() {
        #expect(health() == .healthy)
        #expect(health(last: run(.succeeded)) == .healthy)
        #expect(health(last: run(.failed)) == .error)
        #expect(health(JobState(name: "j", consecutiveErrors: 3), last: run(.discarded)) == .failing)
        #expect(health(active: [run(.running, startedAgo: 120)]) == .stuck)
        #expect(health(active: [run(.running, startedAgo: 120, heartbeatAgo: 45)]) == .dead)
        #expect(health(JobState(name: "j", paused: true), active: [run(.running, heartbeatAgo: 45)]) == .paused)
        #expect(health(enabled: false) == .disabled)
        #expect(JobHealth.allCases.filter(\.isAlarming) == [.dead, .stuck, .failing])
    }
}
