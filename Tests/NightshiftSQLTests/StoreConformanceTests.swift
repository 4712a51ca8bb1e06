import Foundation
import Logging
import Nightshift
import NightshiftSQL
import NightshiftTesting
import Testing

/// The store contract, run against real SQLite and real PostgreSQL.
@Suite struct StoreConformanceTests {
    @Test("a scheduled fire is recorded once; forbid records an overlapping fire as skipped", arguments: TestStoreKind.available)
    func firesAreUnique(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = test.store
            let fire = Date(timeIntervalSince1970: 1_800_000_000)
            let first = ScheduledFire(job: "j", scheduledFor: fire, maxAttempts: 1, overlap: .forbid)
            #expect(try await store.recordFires([first]) == [.queued])
            #expect(try await store.recordFires([first]) == [.duplicate])
            let next = ScheduledFire(job: "j", scheduledFor: fire.addingTimeInterval(60), maxAttempts: 1, overlap: .forbid)
            #expect(try await store.recordFires([next]) == [.skipped])
            let skipped = try await store.runs(RunQuery(job: "j", status: .skipped))
            #expect(skipped.count == 1 && skipped[0].endedAt != nil && skipped[0].error?.contains("overlap") == true)
        }
    }

    @Test("claims, completes with a guard, and records every run field", arguments: TestStoreKind.available)
    func lifecycle(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = test.store
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
            // A stale completion (wrong attempt) changes nothing.
            let stale = RunCompletion(runID: run.id, job: "j", attempt: 7, outcome: .succeeded)
            #expect(try await store.complete(stale) == false)
            let retry = RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: .retry(afterSeconds: 0), error: "boom")
            #expect(try await store.complete(retry))
            run = try await store.claim(runID: run.id, worker: "w1")!
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
        }
    }

    @Test("one lease holder at a time, with the database clock", arguments: TestStoreKind.available)
    func lease(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = test.store
            #expect(try await store.acquireLease("scheduler", holder: "a", duration: 30))
            #expect(try await store.acquireLease("scheduler", holder: "b", duration: 30) == false)
            #expect(try await store.acquireLease("scheduler", holder: "a", duration: 30))
            #expect(try await store.leaseHolder("scheduler") == "a")
            try await store.releaseLease("scheduler", holder: "a")
            #expect(try await store.acquireLease("scheduler", holder: "b", duration: 0.2))
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await store.acquireLease("scheduler", holder: "a", duration: 30))
        }
    }

    @Test(
        "orphans with a stale heartbeat are requeued or failed, and a late completion is refused",
        arguments: TestStoreKind.available)
    func rescue(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = test.store
            try await store.register([JobRegistration(try Job(name: "j") { _ in [:] })])
            _ = try await store.enqueue([NewRun(job: "j", trigger: .manual, maxAttempts: 2), NewRun(job: "j", trigger: .manual)])
            let claimed = try await store.claim(limit: 2, jobs: ["j"], queues: .any, worker: "dead")
            #expect(claimed.count == 2)
            try await Task.sleep(for: .milliseconds(300))
            let held = Set(claimed.map(\.id))
            #expect(try await store.rescueOrphans(staleAfter: 0.1, sparing: { held }).isEmpty, "held runs are spared")
            let rescued = try await store.rescueOrphans(staleAfter: 0.1, sparing: { [] })
            #expect(Set(rescued.map(\.status)) == [.queued, .failed])
            for run in claimed {
                #expect(
                    try await store.complete(RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: .succeeded)) == false)
            }
            #expect(try await store.jobStates().first?.consecutiveErrors == 1)
        }
    }

    @Test(
        "a released run goes back to the queue as it was, and only its own worker can release it",
        arguments: TestStoreKind.available)
    func release(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = test.store
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
        }
    }

    @Test(
        "a claimed run is the run as stored, running for its worker, with the last attempt's error cleared",
        arguments: TestStoreKind.available)
    func claimedRunMatchesStored(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = test.store
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
                runID: first.id, job: "j", attempt: 1, outcome: .retry(afterSeconds: 0), details: ["partial": true], error: "boom"
            )
            _ = try await store.complete([failure])
            #expect(try await store.run(id: first.id)?.error == "boom", "a queued retry shows why the last attempt failed")
            let second = try #require(try await store.claim(limit: 5, jobs: ["j"], queues: .any, worker: "w2").first)
            #expect(try await store.run(id: second.id) == second)
            #expect(second.attempt == 2 && second.worker == "w2" && second.error == nil && second.details == [:])
            let errors = try await store.pool.withDatabase { database in
                try await database.raw("SELECT error FROM nightshift_attempts WHERE run_id = \(bind: first.id.lowercasedText)")
                    .all()
                    .map { try $0.decode(column: "error", as: String?.self) }
            }
            #expect(errors == ["boom"], "the failed attempt's row keeps its error")
        }
    }

    @Test("one batch of endings of every kind: runs, attempt rows and the job's counters", arguments: TestStoreKind.available)
    func mixedCompletions(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = test.store
            try await store.register([JobRegistration(try Job(name: "j") { _ in [:] })])
            _ = try await store.enqueue((0..<4).map { _ in NewRun(job: "j", maxAttempts: 2) })
            let claimed = try await store.claim(limit: 4, jobs: ["j"], queues: .any, worker: "w1")
            #expect(claimed.count == 4)
            let outcomes: [RunCompletion.Outcome] = [
                .succeeded, .retry(afterSeconds: 60), .finished(.discarded), .finished(.cancelled),
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
            #expect((run(1)?.runAfter ?? .distantPast) > Date().addingTimeInterval(30))
            #expect(run(2)?.status == .discarded && run(2)?.endedAt != nil && run(2)?.error == "ended discarded")
            #expect(run(3)?.status == .cancelled && run(3)?.endedAt != nil)
            let attempts = try await store.pool.withDatabase { database in
                try await database.raw("SELECT run_id, outcome, worker FROM nightshift_attempts").all().map {
                    (
                        try $0.decode(column: "run_id", as: String.self), try $0.decode(column: "outcome", as: String.self),
                        try $0.decode(column: "worker", as: String?.self)
                    )
                }
            }
            let outcomeByRun = Dictionary(attempts.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
            #expect(
                claimed.map { outcomeByRun[$0.id.uuidString.lowercased()] } == [
                    "succeeded", "retrying", "discarded", "cancelled",
                ])
            #expect(attempts.allSatisfy { $0.2 == "w1" }, "the attempt keeps its worker, also for a retry")
            // The success resets the count; the one failure after it in the batch counts.
            let state = try #require(try await store.jobStates().first { $0.name == "j" })
            #expect(state.consecutiveErrors == 1 && state.lastError == "ended discarded")
            #expect(state.lastSuccessAt != nil && state.lastFailureAt != nil)
        }
    }

    @Test("running runs are summarized per job in one statement", arguments: TestStoreKind.available)
    func runningSummaries(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = test.store
            _ = try await store.enqueue(
                (0..<3).map { _ in NewRun(job: "j", trigger: .manual) } + [NewRun(job: "idle", trigger: .manual)])
            let claimed = try await store.claim(limit: 2, jobs: ["j"], queues: .any, worker: "w")
            let old = Date(timeIntervalSince1970: 1_700_000_000)
            try await store.pool.withDatabase { database in
                try await database.raw(
                    "UPDATE nightshift_runs SET heartbeat_at = \(bind: old) WHERE id = \(bind: claimed[0].id.lowercasedText)"
                ).run()
            }
            let summaries = try await store.runningSummaries()
            #expect(summaries.keys.sorted() == ["j"])
            let summary = try #require(summaries["j"])
            #expect(summary.count == 2)
            #expect(abs((summary.oldestHeartbeat ?? .distantFuture).timeIntervalSince(old)) < 0.001)
            #expect(summary.oldestStart != nil)
        }
    }
}
