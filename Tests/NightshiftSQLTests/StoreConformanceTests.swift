import Foundation
import Logging
import Nightshift
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import Testing

/// The store contract (``JobStoreConformance``), run against real SQLite and real PostgreSQL,
/// and what only the SQL stores keep: the attempt rows.
@Suite struct StoreConformanceTests {
    @Test("the store contract, on a clock the test moves", arguments: JobStoreConformance.checks, TestStoreKind.available)
    func conforms(check: JobStoreConformance.Check, kind: TestStoreKind) async throws {
        let clock = ManualClock(now: Date())
        try await withTestStore(kind, clock: clock) { test in
            try await check.run(on: StoreUnderTest(store: test.store, passTime: { clock.advance(by: $0) }))
        }
    }

    @Test("the store contract, on the database's clock", arguments: JobStoreConformance.checks, TestStoreKind.available)
    func conformsInRealTime(check: JobStoreConformance.Check, kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            try await check.run(on: StoreUnderTest(store: test.store, passTime: { try await Task.sleep(for: $0) }))
        }
    }

    @Test("a failed attempt's row keeps its error after the retry is claimed", arguments: TestStoreKind.available)
    func attemptRowKeepsError(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = test.store
            let first = try await store.start(NewRun(job: "j", maxAttempts: 2), worker: "w1")
            _ = try await store.complete([
                RunCompletion(runID: first.id, job: "j", attempt: 1, outcome: .retry(after: .seconds(0)), error: "boom")
            ])
            #expect(try await store.claim(runID: first.id, worker: "w2")?.error == nil)
            let errors = try await store.pool.withDatabase { database in
                try await database.raw("SELECT error FROM nightshift_attempts WHERE run_id = \(bind: first.id.lowercasedText)")
                    .all()
                    .map { try $0.decode(column: "error", as: String?.self) }
            }
            #expect(errors == ["boom"], "the failed attempt's row keeps its error")
        }
    }

    @Test("one batch of endings of every kind writes one attempt row each, with its worker", arguments: TestStoreKind.available)
    func attemptRowsOfABatch(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = test.store
            _ = try await store.enqueue((0..<4).map { _ in NewRun(job: "j", maxAttempts: 2) })
            let claimed = try await store.claim(limit: 4, jobs: ["j"], queues: .any, worker: "w1")
            #expect(claimed.count == 4)
            let outcomes: [RunCompletion.Outcome] = [
                .succeeded, .retry(after: .seconds(60)), .finished(.discarded), .finished(.cancelled),
            ]
            let endings = zip(claimed, outcomes).map { run, outcome in
                RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: outcome, error: outcome == .succeeded ? nil : "e")
            }
            #expect(try await store.complete(endings) == Set(claimed.map(\.id)))
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
        }
    }
}
