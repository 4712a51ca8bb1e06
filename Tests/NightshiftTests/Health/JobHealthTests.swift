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

    @Test("OVERDUE: no success within expect_success_within, counted from the last success or the registration")
    func overdue() {
        func health(_ state: JobState) -> JobHealth {
            JobHealth.derive(
                state: state, enabled: true, policies: JobPolicies(expectSuccessWithin: .seconds(3600)), running: nil,
                lastFinished: nil, heartbeatTimeout: .seconds(30), now: now)
        }
        #expect(health(JobState(name: "j", registeredAt: now.addingTimeInterval(-3599))) == .healthy)
        #expect(health(JobState(name: "j", registeredAt: now.addingTimeInterval(-3601))) == .overdue)
        let succeeded = JobState(
            name: "j", lastSuccessAt: now.addingTimeInterval(-60), registeredAt: now.addingTimeInterval(-86_400))
        #expect(health(succeeded) == .healthy)
        #expect(health(JobState(name: "j", lastSuccessAt: now.addingTimeInterval(-3601))) == .overdue)
        // Failing is more urgent than overdue.
        #expect(
            health(JobState(name: "j", consecutiveErrors: 3, lastSuccessAt: now.addingTimeInterval(-7200))) == .failing)
        // Without the setting, never.
        #expect(self.health(JobState(name: "j", registeredAt: now.addingTimeInterval(-86_400 * 365))) == .healthy)
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
        #expect(JobHealth.allCases.filter(\.isAlarming) == [.dead, .stuck, .failing, .overdue])
    }
}
