import Foundation
import Nightshift
import Testing

extension JobStoreConformance {
    static let completionChecks: [Check] = [
        Check("one batch of endings of every kind: the runs and the job's counters") { subject in
            let store = subject.store
            try await store.register([JobRegistration(try Job(name: "j") { _ in [:] })])
            _ = try await store.enqueue((0..<4).map { _ in NewRun(job: "j", maxAttempts: 2) })
            let claimed = try await store.claim(limit: 4, jobs: ["j"], queues: .any, worker: "w1")
            #expect(claimed.count == 4)
            let outcomes: [RunCompletion.Outcome] = [
                .succeeded, .retry(after: .seconds(60)), .finished(.discarded), .finished(.cancelled),
            ]
            let endings = zip(claimed, outcomes).map { run, outcome in
                RunCompletion(
                    runID: run.id, job: "j", attempt: 1, outcome: outcome, details: ["n": 1],
                    error: outcome == .succeeded ? nil : "ended \(outcome.metricStatus)")
            }
            #expect(try await store.complete(endings) == Set(claimed.map(\.id)))
            let runs = try await store.runs(RunQuery(job: "j"))
            func run(_ index: Int) -> Run? { runs.first { $0.id == claimed[index].id } }
            #expect(
                run(0)?.status == .succeeded && run(0)?.progress == 100 && run(0)?.details == ["n": 1] && run(0)?.error == nil)
            #expect(run(1)?.status == .queued && run(1)?.attempt == 2 && run(1)?.worker == nil)
            let now = try await store.databaseNow()
            #expect((run(1)?.runAfter ?? .distantPast) > now.addingTimeInterval(30))
            #expect(run(2)?.status == .discarded && run(2)?.endedAt != nil && run(2)?.error == "ended discarded")
            #expect(run(3)?.status == .cancelled && run(3)?.endedAt != nil)
            // The success resets the count; the one failure after it in the batch counts.
            let state = try #require(try await store.jobStates().first { $0.name == "j" })
            #expect(state.consecutiveErrors == 1 && state.lastError == "ended discarded")
            #expect(state.lastSuccessAt != nil && state.lastFailureAt != nil)
        },
        Check("each attempt is kept with its worker, outcome, error and output, successes and failures alike") { subject in
            let store = subject.store
            try await store.register([JobRegistration(try Job(name: "j") { _ in [:] })])
            _ = try await store.enqueue([NewRun(job: "j", maxAttempts: 2), NewRun(job: "j")])
            let claimed = try await store.claim(limit: 2, jobs: ["j"], queues: .any, worker: "w1")
            #expect(claimed.count == 2)
            let first = try #require(claimed.first { $0.maxAttempts == 2 })
            let other = try #require(claimed.first { $0.maxAttempts == 1 })
            #expect(
                try await store.complete([
                    RunCompletion(
                        runID: first.id, job: "j", attempt: 1, outcome: .retry(after: .zero), error: "exit 3",
                        output: "line 1\nline 2"),
                    RunCompletion(
                        runID: other.id, job: "j", attempt: 1, outcome: .succeeded, details: ["ok": true], output: "done"),
                ]).count == 2)
            let again = try await store.claim(limit: 1, jobs: ["j"], queues: .any, worker: "w2")
            #expect(again.map(\.id) == [first.id])
            #expect(
                try await store.complete(RunCompletion(runID: first.id, job: "j", attempt: 2, outcome: .finished(.discarded))))
            let attempts = try await store.attempts(of: first.id)
            #expect(attempts.map(\.attempt) == [1, 2] && attempts.map(\.outcome) == ["retrying", "discarded"])
            #expect(attempts.map(\.worker) == ["w1", "w2"] && attempts.first?.startedAt != nil)
            #expect(attempts.first?.error == "exit 3" && attempts.first?.output == "line 1\nline 2")
            #expect(attempts.last?.output == nil)
            let succeeded = try await store.attempts(of: other.id)
            #expect(succeeded.count == 1 && succeeded.first?.outcome == "succeeded" && succeeded.first?.output == "done")
            #expect(try await store.attempts(of: UUID()).isEmpty)
        },
        Check("two failures of one job in one batch: the job's last error is the one written last") { subject in
            let store = subject.store
            try await store.register([JobRegistration(try Job(name: "j") { _ in [:] })])
            _ = try await store.enqueue([NewRun(job: "j"), NewRun(job: "j")])
            let claimed = try await store.claim(limit: 2, jobs: ["j"], queues: .any, worker: "w")
            #expect(claimed.count == 2)
            // Alphabetically the first error is the greater: a store taking max(error) fails here.
            let endings = [
                RunCompletion(
                    runID: claimed[0].id, job: "j", attempt: 1, outcome: .finished(.failed), error: "zz: the first failure"),
                RunCompletion(
                    runID: claimed[1].id, job: "j", attempt: 1, outcome: .finished(.failed), error: "aa: the second failure"),
            ]
            #expect(try await store.complete(endings).count == 2)
            let state = try #require(try await store.jobStates().first { $0.name == "j" })
            #expect(state.lastError == "aa: the second failure")
            #expect(state.consecutiveErrors == 2)
        },
        Check("a failure without an error text records its status as the job's last error") { subject in
            let store = subject.store
            try await store.register([JobRegistration(try Job(name: "j") { _ in [:] })])
            let run = try await store.start(NewRun(job: "j"), worker: "w")
            #expect(try await store.complete(RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: .finished(.failed))))
            #expect(try await store.jobStates().first?.lastError == "failed")
        },
        Check("orphans with a stale heartbeat are requeued or failed, and a late completion is refused") { subject in
            let store = subject.store
            try await store.register([JobRegistration(try Job(name: "j") { _ in [:] })])
            _ = try await store.enqueue([NewRun(job: "j", trigger: .manual, maxAttempts: 2), NewRun(job: "j", trigger: .manual)])
            let claimed = try await store.claim(limit: 2, jobs: ["j"], queues: .any, worker: "dead")
            #expect(claimed.count == 2)
            #expect(
                try await store.rescueOrphans(staleAfter: .seconds(60), sparing: { [] }).isEmpty, "fresh heartbeats are not stale"
            )
            try await subject.pass(.milliseconds(400))
            let held = Set(claimed.map(\.id))
            #expect(try await store.rescueOrphans(staleAfter: .seconds(0.2), sparing: { held }).isEmpty, "held runs are spared")
            struct CalledOff: Error {}
            await #expect(throws: CalledOff.self, "the caller calls the rescue off") {
                try await store.rescueOrphans(staleAfter: .seconds(0.2), sparing: { throw CalledOff() })
            }
            #expect(try await store.runs(RunQuery(job: "j")).allSatisfy { $0.status == .running })
            let rescued = try await store.rescueOrphans(staleAfter: .seconds(0.2), sparing: { [] })
            #expect(Set(rescued.map(\.status)) == [.queued, .failed])
            #expect(rescued.allSatisfy { $0.worker == nil && $0.error?.contains("worker dead stopped heartbeating") == true })
            #expect(rescued.first { $0.status == .queued }?.attempt == 2)
            for run in claimed {
                #expect(
                    try await store.complete(RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: .succeeded)) == false)
            }
            let state = try #require(try await store.jobStates().first)
            #expect(state.consecutiveErrors == 1 && state.lastError?.contains("stopped heartbeating") == true)
        },
        Check("a queued run is cancelled at once, a running one is asked to stop, a finished one is left") { subject in
            let store = subject.store
            let runs = try await store.enqueue([NewRun(job: "j"), NewRun(job: "j")])
            let running = try #require(try await store.claim(runID: runs[1].id, worker: "w"))
            #expect(try await store.requestCancel(runID: runs[0].id))
            let cancelled = try #require(try await store.run(id: runs[0].id))
            #expect(cancelled.status == .cancelled && cancelled.endedAt != nil && cancelled.error == "cancelled by request")
            #expect(try await store.requestCancel(runID: running.id))
            #expect(try await store.run(id: running.id)?.status == .running)
            #expect(try await store.heartbeat([running.id: 50], worker: "w") == [running.id])
            #expect(try await store.heartbeat([running.id: 50], worker: "another") == [], "only the run's worker beats")
            #expect(try await store.requestCancel(runID: runs[0].id) == false)
            #expect(try await store.requestCancel(runID: UUID()) == false)
        },
        Check("pruning deletes finished runs past their retention, per job and by outcome, and nothing active") { subject in
            let store = subject.store
            for job in ["a", "b"] {
                let ok = try await store.start(NewRun(job: job), worker: "w")
                _ = try await store.complete(RunCompletion(runID: ok.id, job: job, attempt: 1, outcome: .succeeded))
                let bad = try await store.start(NewRun(job: job), worker: "w")
                _ = try await store.complete(RunCompletion(runID: bad.id, job: job, attempt: 1, outcome: .finished(.failed)))
            }
            _ = try await store.enqueue([NewRun(job: "a")])
            _ = try await store.start(NewRun(job: "a"), worker: "w")
            try await subject.pass(.seconds(4))
            let recent = try await store.start(NewRun(job: "a"), worker: "w")
            _ = try await store.complete(RunCompletion(runID: recent.id, job: "a", attempt: 1, outcome: .succeeded))
            let nothing = HistoryRetention(defaultRule: .init(keep: .seconds(60), keepFailed: .seconds(60)))
            #expect(try await store.prune(nothing, chunkSize: 1) == 0)
            // The boundary halfway between the old endings and the recent one, by the store's
            // clock: on a real clock, time goes on between the steps, however loaded the machine.
            let ended = try await store.runs(RunQuery(limit: 100)).compactMap(\.endedAt)
            let now = try await store.databaseNow()
            let newest = try #require(ended.max())
            let oldest = try #require(ended.filter { newest.timeIntervalSince($0) > 1 }.max())
            let boundary = Duration.seconds(now.timeIntervalSince(oldest) + now.timeIntervalSince(newest)) / 2
            // Job a keeps successes up to the boundary and failures a minute; b has the default: the boundary.
            let retention = HistoryRetention(
                defaultRule: .init(keep: boundary, keepFailed: boundary),
                jobRules: ["a": .init(keep: boundary, keepFailed: .seconds(60))])
            #expect(try await store.prune(retention, chunkSize: 1) == 3, "chunks of one go on until nothing is left")
            let left = try await store.runs(RunQuery(limit: 100))
            #expect(left.filter { $0.job == "b" }.isEmpty)
            #expect(
                left.filter { $0.job == "a" }.map(\.status).sorted { $0.rawValue < $1.rawValue } == [
                    .failed, .queued, .running, .succeeded,
                ])
            #expect(left.first { $0.status == .succeeded }?.id == recent.id)
        },
    ]
}
