import Foundation
import Logging
import Nightshift
import NightshiftDatabase
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import SQLKit
import Testing

/// Enqueueing from code: Codable params, unique keys, batches, and the caller's transaction.
@Suite struct EnqueueTests {
    struct Invoice: Codable, Equatable {
        let id: Int
        let customer: String
    }

    @Test("Codable params round-trip; a duplicate unique key returns the active run", arguments: TestStoreKind.available)
    func uniqueKeys(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = test.store
            let first = try NewRun(
                job: "send-invoice", params: Invoice(id: 42, customer: "acme"), priority: -1, queue: "mail",
                uniqueKey: "invoice-42")
            let created = try await store.enqueue([first])[0]
            #expect(try created.params.decode(as: Invoice.self) == Invoice(id: 42, customer: "acme"))
            #expect(created.priority == -1 && created.queue == "mail" && created.uniqueKey == "invoice-42")
            let again = try await store.enqueue([
                try NewRun(job: "send-invoice", params: Invoice(id: 42, customer: "acme"), uniqueKey: "invoice-42"),
                try NewRun(job: "send-invoice", params: Invoice(id: 43, customer: "acme"), uniqueKey: "invoice-43"),
                try NewRun(job: "send-invoice", params: Invoice(id: 43, customer: "acme"), uniqueKey: "invoice-43"),
            ])
            #expect(again[0].id == created.id)
            #expect(again[1].id == again[2].id && again[1].id != created.id)
            #expect(try await store.runs(RunQuery(job: "send-invoice")).count == 2)
            // Once the run has ended, its key is free again.
            let claimed = try await store.claim(limit: 10, jobs: ["send-invoice"], queues: .any, worker: "w")
            for run in claimed {
                _ = try await store.complete(RunCompletion(runID: run.id, job: run.job, attempt: 1, outcome: .succeeded))
            }
            #expect(try await store.enqueue([first.withNewID()])[0].id != created.id)
        }
    }

    @Test(
        "the run enqueue returns is the stored row, every field, with and without optional values",
        arguments: TestStoreKind.available)
    func returnedRunIsStored(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let later = Date(timeIntervalSince1970: 1_900_000_000.25)
            let full = NewRun(
                job: "report", trigger: .api, triggeredBy: "ops", maxAttempts: 3, runAfter: later, params: ["day": "2026-01-01"],
                window: DateWindow(
                    from: Date(timeIntervalSince1970: 1_767_225_600), to: Date(timeIntervalSince1970: 1_767_312_000)),
                dryRun: true, priority: 5, queue: "reports", uniqueKey: "report-1")
            let bare = NewRun(job: "noop")
            let returned = try await test.store.enqueue([full, bare])
            for run in returned {
                let stored = try #require(try await test.store.run(id: run.id))
                #expect(run == stored)
            }
            #expect(returned[0].runAfter == later && returned[0].window == full.window && returned[0].triggeredBy == "ops")
            #expect(returned[1].runAfter == returned[1].createdAt && returned[1].window == nil && returned[1].uniqueKey == nil)
        }
    }

    @Test(
        "text the store cannot keep is refused with the run and field named, and nothing is enqueued",
        arguments: TestStoreKind.available)
    func nulRefused(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { (test: TestStore) async throws in
            let runs = [NewRun(job: "noop"), NewRun(job: "noop", uniqueKey: "order\u{0}42")]
            await #expect(throws: SQLStoreError.unstorableText("run 2 of 2: its uniqueKey contains a NUL character")) {
                try await test.store.enqueue(runs)
            }
            #expect(try await test.store.queueDepths().isEmpty)
        }
    }

    @Test("a batch of 5,000 runs is one statement and all of them are claimable", arguments: TestStoreKind.available)
    func batch(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let runs = (0..<5000).map { NewRun(job: "noop", params: ["n": .number(Double($0))]) }
            let created = try await test.store.enqueue(runs)
            #expect(created.map(\.id) == runs.map(\.id))
            #expect(try await test.store.queueDepths() == ["default": 5000])
        }
    }

    @Test("runs enqueued in the caller's transaction exist only if it commits", arguments: TestStoreKind.available)
    func transactional(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let pool = try await SQLConnectionPool.open(try DatabaseURL(test.url), logger: Logger(label: "enqueue-test"))
            let committed = NewRun(job: "after-commit")
            _ = try await pool.withTransaction { database in
                try await database.raw("CREATE TABLE orders (id INTEGER PRIMARY KEY)").run()
                return try await SQLJobStore.enqueue([committed], on: database)
            }
            struct Rollback: Error {}
            let rolledBack = NewRun(job: "after-rollback")
            await #expect(throws: Rollback.self) {
                try await pool.withTransaction { database -> Int in
                    try await database.raw("INSERT INTO orders (id) VALUES (1)").run()
                    _ = try await SQLJobStore.enqueue([rolledBack], on: database)
                    throw Rollback()
                }
            }
            await pool.close()
            #expect(try await test.store.run(id: committed.id) != nil)
            #expect(try await test.store.run(id: rolledBack.id) == nil)
        }
    }
}

extension NewRun {
    func withNewID() -> NewRun {
        var copy = self
        copy.id = UUID()
        return copy
    }
}

/// Named queues, their limits and pausing, and pruning old history.
@Suite struct QueueAndPruneTests {
    @Test("a queue's concurrency limit holds and a paused queue's runs wait", arguments: TestStoreKind.available)
    func queueLimits(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let running = Counter()
            let job = try Job(name: "report", policies: JobPolicies(queue: "reports")) { _ in
                await running.enter()
                try await Task.sleep(for: .milliseconds(200))
                await running.leave()
                return [:]
            }
            try await test.store.setQueuePaused("reports", paused: true)
            _ = try await test.store.enqueue((0..<4).map { _ in NewRun(job: "report", queue: "reports") })
            var configuration = EngineTests.fast
            configuration.queueConcurrency = ["reports": 1]
            let engine = NightshiftEngine(
                store: test.store, jobs: [job], configuration: configuration, logger: Logger(label: "queue-test"))
            let task = Task { try await engine.run() }
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await test.store.queueDepths()["reports"] == 4, "a paused queue starts nothing")
            try await test.store.setQueuePaused("reports", paused: false)
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                let active = try await test.store.activeRuns()
                if active.isEmpty { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            engine.shutDown()
            try await task.value
            #expect(await running.highest == 1)
            #expect(try await test.store.runs(RunQuery(job: "report", status: .succeeded)).count == 4)
        }
    }
}

/// Counts how many callers are inside at once, and the most there ever were.
actor Counter {
    private var current = 0
    private(set) var highest = 0

    func enter() {
        current += 1
        highest = max(highest, current)
    }

    func leave() { current -= 1 }
}
