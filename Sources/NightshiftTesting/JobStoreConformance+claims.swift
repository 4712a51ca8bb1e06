import Foundation
import Nightshift
import Testing

extension JobStoreConformance {
    static let claimChecks: [Check] = [
        Check("claims, completes with a guard, and records every run field") { subject in
            let store = subject.store
            let window = DateWindow(
                from: Date(timeIntervalSince1970: 1_800_000_000), to: Date(timeIntervalSince1970: 1_800_086_400))
            let created = try await store.enqueue([
                NewRun(
                    job: "j", trigger: .api, triggeredBy: "ops", maxAttempts: 2, params: ["day": "2027-01-15"], window: window,
                    dryRun: true)
            ])
            #expect(created.count == 1)
            let claimed = try await store.claim(limit: 10, jobs: ["j"], queues: .any, worker: "w1")
            #expect(claimed.map(\.id) == created.map(\.id))
            #expect(try await store.claim(limit: 10, jobs: ["j"], queues: .any, worker: "w2").isEmpty)
            var run = claimed[0]
            #expect(run.status == .running && run.worker == "w1" && run.startedAt != nil && run.heartbeatAt != nil)
            #expect(try await store.heartbeat([run.id: 40], worker: "w1").isEmpty)
            #expect(try await store.run(id: run.id)?.progress == 40)
            // A stale completion (wrong attempt) changes nothing.
            let stale = RunCompletion(runID: run.id, job: "j", attempt: 7, outcome: .succeeded)
            #expect(try await store.complete(stale) == false)
            let retry = RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: .retry(after: .seconds(0)), error: "boom")
            #expect(try await store.complete(retry))
            run = try #require(try await store.claim(runID: run.id, worker: "w1"))
            #expect(run.attempt == 2)
            let done = RunCompletion(
                runID: run.id, job: "j", attempt: 2, outcome: .succeeded, details: ["deleted": 3, "table": "x"])
            #expect(try await store.complete(done))
            #expect(try await store.complete(done) == false)
            let final = try #require(try await store.run(id: run.id))
            #expect(final.status == .succeeded)
            #expect(final.trigger == .api && final.triggeredBy == "ops")
            #expect(final.attempt == 2 && final.maxAttempts == 2 && final.progress == 100)
            #expect(final.params == ["day": "2027-01-15"] && final.window == window && final.dryRun)
            #expect(final.details == ["deleted": 3, "table": "x"] && final.error == nil)
            #expect(final.startedAt != nil && final.endedAt != nil && final.heartbeatAt != nil && final.worker == "w1")
            #expect(final.endedAt! >= final.startedAt!)
        },
        Check("a claimed run is the run as stored, running for its worker, with the last attempt's error cleared") { subject in
            let store = subject.store
            let window = DateWindow(
                from: Date(timeIntervalSince1970: 1_800_000_000), to: Date(timeIntervalSince1970: 1_800_003_600))
            _ = try await store.enqueue([
                NewRun(
                    job: "j", trigger: .api, triggeredBy: "ops", maxAttempts: 2, params: ["day": "2027-01-15", "n": 3],
                    window: window, dryRun: true, priority: 0, queue: "reports", uniqueKey: "k1")
            ])
            let first = try #require(try await store.claim(limit: 5, jobs: ["j"], queues: .any, worker: "w1").first)
            #expect(try await store.run(id: first.id) == first)
            #expect(first.status == .running && first.worker == "w1" && first.params == ["day": "2027-01-15", "n": 3])
            #expect(first.window == window && first.dryRun && first.queue == "reports" && first.uniqueKey == "k1")
            let failure = RunCompletion(
                runID: first.id, job: "j", attempt: 1, outcome: .retry(after: .seconds(0)), details: ["partial": true],
                error: "boom"
            )
            _ = try await store.complete([failure])
            #expect(try await store.run(id: first.id)?.error == "boom", "a queued retry shows why the last attempt failed")
            let second = try #require(try await store.claim(limit: 5, jobs: ["j"], queues: .any, worker: "w2").first)
            #expect(try await store.run(id: second.id) == second)
            #expect(second.attempt == 2 && second.worker == "w2" && second.error == nil && second.details == [:])
        },
        Check("claims take the lowest priority first, then the earliest due, and never a run not yet due") { subject in
            let store = subject.store
            let now = try await store.databaseNow()
            let runs = try await store.enqueue([
                NewRun(job: "j", runAfter: now.addingTimeInterval(-30), priority: 5),
                NewRun(job: "j", runAfter: now.addingTimeInterval(-60), priority: 5),
                NewRun(job: "j", runAfter: now.addingTimeInterval(-10), priority: 1),
                NewRun(job: "j", runAfter: now.addingTimeInterval(3600), priority: 0),
            ])
            let claimed = try await store.claim(limit: 10, jobs: ["j"], queues: .any, worker: "w")
            #expect(claimed.map(\.id) == [runs[2].id, runs[1].id, runs[0].id])
        },
        Check("claims honour the job list, queue filters, paused jobs and paused queues") { subject in
            let store = subject.store
            try await store.register([JobRegistration(try Job(name: "paused-job") { _ in [:] })])
            #expect(try await store.setPaused(job: "paused-job", paused: true))
            #expect(try await store.setPaused(job: "unknown", paused: true) == false)
            _ = try await store.enqueue([
                NewRun(job: "a", queue: "mail"), NewRun(job: "a", queue: "reports"), NewRun(job: "a"),
                NewRun(job: "b"), NewRun(job: "paused-job"),
            ])
            #expect(try await store.claim(limit: 10, jobs: ["a"], queues: .only(["mail"]), worker: "w").map(\.queue) == ["mail"])
            try await store.setQueuePaused("reports", paused: true)
            #expect(
                try await store.claim(limit: 10, jobs: ["a"], queues: .excluding(["mail"]), worker: "w").map(\.queue) == [
                    "default"
                ])
            #expect(try await store.claim(limit: 10, jobs: ["paused-job"], queues: .any, worker: "w").isEmpty)
            try await store.setQueuePaused("reports", paused: false)
            #expect(try await store.claim(limit: 10, jobs: ["a"], queues: .any, worker: "w").map(\.queue) == ["reports"])
            #expect(try await store.queueDepths() == ["default": 2])
            #expect(try await store.claim(limit: 0, jobs: ["b"], queues: .any, worker: "w").isEmpty)
            #expect(try await store.claim(limit: 5, jobs: [], queues: .any, worker: "w").isEmpty)
        },
        Check("a released run goes back to the queue as it was, and only its own worker can release it") { subject in
            let store = subject.store
            _ = try await store.enqueue([NewRun(job: "j", maxAttempts: 3), NewRun(job: "j", maxAttempts: 3)])
            let claimed = try await store.claim(limit: 2, jobs: ["j"], queues: .any, worker: "w1")
            #expect(claimed.count == 2)
            try await store.release(claimed.map(\.id), worker: "someone-else")
            #expect(try await store.runs(RunQuery(job: "j", status: .running)).count == 2)
            try await store.release(claimed.map(\.id), worker: "w1")
            let released = try await store.runs(RunQuery(job: "j"))
            #expect(released.count == 2)
            #expect(released.allSatisfy { $0.status == .queued && $0.attempt == 1 && $0.worker == nil && $0.startedAt == nil })
            #expect(try await store.claim(limit: 2, jobs: ["j"], queues: .any, worker: "w2").count == 2)
        },
        Check("a started run is created already claimed, and a queued run is claimed by id whatever its due time") { subject in
            let store = subject.store
            let started = try await store.start(NewRun(job: "j", maxAttempts: 2), worker: "cli")
            #expect(started.status == .running && started.worker == "cli" && started.attempt == 1)
            #expect(try await store.claim(limit: 5, jobs: ["j"], queues: .any, worker: "serve").isEmpty)
            let later = try await store.enqueue([NewRun(job: "j", runAfter: Date().addingTimeInterval(86_400 * 365))])[0]
            #expect(try await store.claim(runID: later.id, worker: "cli")?.status == .running)
            #expect(try await store.claim(runID: later.id, worker: "cli") == nil, "a running run is not claimed again")
        },
        Check("a unique key returns the active run instead of a new one, and is free again once that run ends") { subject in
            let store = subject.store
            let first = try await store.enqueue([NewRun(job: "j", uniqueKey: "invoice-42")])[0]
            let again = try await store.enqueue([NewRun(job: "j", uniqueKey: "invoice-42"), NewRun(job: "j")])
            #expect(again.count == 2 && again[0].id == first.id && again[1].id != first.id)
            let claimed = try await store.claim(limit: 5, jobs: ["j"], queues: .any, worker: "w")
            for run in claimed {
                _ = try await store.complete(RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: .succeeded))
            }
            let fresh = try await store.enqueue([NewRun(job: "j", uniqueKey: "invoice-42")])[0]
            #expect(fresh.id != first.id && fresh.status == .queued)
        },
    ]
}
