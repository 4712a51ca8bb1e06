import Foundation
import Nightshift
import Testing

extension JobStoreConformance {
    static let fireChecks: [Check] = [
        Check("a scheduled fire is recorded once; forbid records an overlapping fire as skipped") { subject in
            let store = subject.store
            let fire = Date(timeIntervalSince1970: 1_800_000_000)
            let first = ScheduledFire(job: "j", scheduledFor: fire, maxAttempts: 1, overlap: .forbid)
            #expect(try await store.recordFires([first]) == [.queued])
            #expect(try await store.recordFires([first]) == [.duplicate])
            let next = ScheduledFire(job: "j", scheduledFor: fire.addingTimeInterval(60), maxAttempts: 1, overlap: .forbid)
            #expect(try await store.recordFires([next]) == [.skipped])
            let skipped = try await store.runs(RunQuery(job: "j", status: .skipped))
            #expect(skipped.count == 1 && skipped[0].endedAt != nil && skipped[0].error?.contains("overlap") == true)
            let queued = try #require(try await store.runs(RunQuery(job: "j", status: .queued)).first)
            #expect(queued.trigger == .schedule && queued.scheduledFor == fire && queued.attempt == 1)
        },
        Check("overlap allow runs both; replace cancels the queued run and asks the running one to stop") { subject in
            let store = subject.store
            let fire = Date(timeIntervalSince1970: 1_800_000_000)
            func fireAt(_ minutes: Double, _ overlap: OverlapPolicy) -> ScheduledFire {
                ScheduledFire(job: "j", scheduledFor: fire.addingTimeInterval(minutes * 60), maxAttempts: 1, overlap: overlap)
            }
            #expect(try await store.recordFires([fireAt(0, .allow), fireAt(1, .allow)]) == [.queued, .queued])
            let running = try await store.claim(limit: 1, jobs: ["j"], queues: .any, worker: "w")
            #expect(running.count == 1)
            #expect(try await store.recordFires([fireAt(2, .replace)]) == [.queued])
            let runs = try await store.runs(RunQuery(job: "j"))
            let stillRunning = try #require(runs.first { $0.id == running[0].id })
            #expect(stillRunning.status == .running && stillRunning.cancelRequested)
            #expect(try await store.heartbeat([stillRunning.id: 10], worker: "w") == [stillRunning.id])
            #expect(runs.filter { $0.status == .cancelled }.count == 1)
            let newest = try #require(runs.first { $0.scheduledFor == fire.addingTimeInterval(120) })
            #expect(newest.status == .queued && !newest.cancelRequested)
        },
        Check("the watermark only moves forward, and only for a registered job") { subject in
            let store = subject.store
            try await store.register([JobRegistration(try Job(name: "j", schedule: try Schedule("0 * * * *")) { _ in [:] })])
            let fire = Date(timeIntervalSince1970: 1_800_000_000)
            try await store.advanceWatermark(job: "j", to: fire)
            try await store.advanceWatermark(job: "j", to: fire.addingTimeInterval(-3600))
            try await store.advanceWatermark(job: "unknown", to: fire)
            let states = try await store.jobStates()
            #expect(states.map(\.name) == ["j"])
            #expect(states.first?.watermark == fire && states.first?.schedule == "0 * * * *")
        },
    ]
}
