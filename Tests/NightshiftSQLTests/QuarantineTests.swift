import Foundation
import Nightshift
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import SQLKit
import Testing

/// One unreadable row used to stop claims, rescue, listings and status for the whole store.
@Suite struct QuarantineTests {
    func corrupt(_ test: TestStore, _ id: UUID, _ assignment: SQLQueryString) async throws {
        try await test.store.pool.withDatabase { database in
            try await database.raw("UPDATE nightshift_runs SET \(assignment) WHERE id = \(bind: id.lowercasedText)").run()
        }
    }

    @Test("an unreadable queued run is failed once, naming the column, and the claim goes on", arguments: TestStoreKind.available)
    func claimGoesAround(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = test.store
            let runs = try await store.enqueue((0..<3).map { _ in NewRun(job: "j", trigger: .api) })
            // What `{"n": 1e999}` in a trigger's params used to store.
            try await corrupt(test, runs[1].id, "params = '{\"n\":inf}'")
            let claimed = try await store.claim(limit: 10, jobs: ["j"], queues: .any, worker: "w")
            #expect(Set(claimed.map(\.id)) == [runs[0].id, runs[2].id])
            let quarantined = try #require(try await store.run(id: runs[1].id))
            #expect(quarantined.status == .failed && quarantined.endedAt != nil && quarantined.params.isEmpty)
            #expect(quarantined.error?.contains("column params") == true)
            #expect(try await store.claim(limit: 10, jobs: ["j"], queues: .any, worker: "w").isEmpty)
        }
    }

    @Test("rescue, listings and active runs go on around unreadable rows", arguments: TestStoreKind.available)
    func readsGoAround(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let store = test.store
            let runs = try await store.enqueue((0..<4).map { _ in NewRun(job: "j", trigger: .api) })
            let claimed = try await store.claim(limit: 1, jobs: ["j"], queues: .any, worker: "w")
            #expect(claimed.count == 1)
            let stale = Date(timeIntervalSince1970: 1_000_000_000)
            try await corrupt(test, claimed[0].id, "details = 'not json', heartbeat_at = \(bind: stale)")
            let rescued = try await store.rescueOrphans(staleAfter: .seconds(1), sparing: { [] })
            #expect(rescued.isEmpty)
            let lost = try #require(try await store.run(id: claimed[0].id))
            #expect(lost.status == .failed && lost.error?.contains("column details") == true)

            let others = runs.filter { $0.id != claimed[0].id }
            try await corrupt(test, others[0].id, "status = 'weird'")
            try await corrupt(test, others[1].id, "\"trigger\" = 'carrier-pigeon'")
            let active = try await store.activeRuns()
            #expect(active.map(\.id) == [others[2].id])
            let listed = try await store.runs(RunQuery(job: "j"))
            #expect(listed.count == 4)
            #expect(listed.filter { $0.status == .failed }.count == 3)
            #expect(listed.first { $0.id == others[0].id }?.error?.contains("column status") == true)
            #expect(try await store.lastFinishedRuns(of: ["j"])["j"] != nil)
        }
    }
}
