import Foundation
import Nightshift
import Testing

extension JobStoreConformance {
    static let readingChecks: [Check] = [
        Check("runs are listed newest first, filtered by job and status, and paged with a cursor") { subject in
            let store = subject.store
            var created: [Run] = []
            for index in 0..<5 {
                created += try await store.enqueue([NewRun(job: index.isMultiple(of: 2) ? "even" : "odd")])
                try await subject.pass(.milliseconds(5))
            }
            let all = try await store.runs(RunQuery(limit: 10))
            #expect(all.map(\.id) == created.reversed().map(\.id))
            #expect(try await store.runs(RunQuery(job: "even", limit: 10)).count == 3)
            let firstPage = try await store.runs(RunQuery(limit: 2))
            let secondPage = try await store.runs(RunQuery(limit: 2, before: firstPage.last?.id))
            #expect(firstPage.map(\.id) + secondPage.map(\.id) == Array(created.reversed().prefix(4)).map(\.id))
            #expect(try await store.runs(RunQuery(limit: 10, before: UUID())).isEmpty, "an unknown cursor lists nothing")
            _ = try await store.claim(limit: 1, jobs: ["odd"], queues: .any, worker: "w")
            #expect(try await store.runs(RunQuery(job: "odd", status: .running)).map(\.id) == [created[1].id])
            #expect(try await store.runs(ids: [created[0].id, created[3].id, UUID()]).count == 2)
            #expect(try await store.activeRuns().map(\.id) == created.map(\.id))
            #expect(try await store.run(id: UUID()) == nil)
        },
        Check("the recent runs of each job come as marks, newest first, at most the limit per job") { subject in
            let store = subject.store
            var created: [Run] = []
            for job in ["a", "a", "a", "b"] {
                created += try await store.enqueue([NewRun(job: job)])
                try await subject.pass(.milliseconds(5))
            }
            _ = try await store.claim(limit: 1, jobs: ["b"], queues: .any, worker: "w")
            let recent = try await store.recentRuns(of: ["a", "b", "c"], limit: 2)
            #expect(recent["a"]?.map(\.id) == [created[2].id, created[1].id])
            #expect(recent["a"]?.allSatisfy { $0.status == .queued } == true)
            #expect(recent["b"] == [RunMark(id: created[3].id, status: .running, createdAt: created[3].createdAt)])
            #expect(recent["c"]?.isEmpty ?? true, "a job without runs has no marks")
        },
        Check("runs are found by the start of their id and by a param's value; failed finds discarded too") { subject in
            let store = subject.store
            let tenant = try await store.enqueue([NewRun(job: "j", params: ["tenant": "acme_100%", "day": 7])])[0]
            let other = try await store.enqueue([NewRun(job: "j", params: ["tenant": "acme", "note": "x:\"acme_100%\""])])[0]
            var byPrefix = RunQuery(limit: 10)
            byPrefix.idPrefix = String(tenant.id.lowercasedText.prefix(36))
            #expect(try await store.runs(byPrefix).map(\.id) == [tenant.id])
            byPrefix.idPrefix = "ffffffff"
            #expect(try await store.runs(byPrefix).isEmpty)
            var byParam = RunQuery(limit: 10)
            byParam.paramValue = "acme_100%"
            // The wildcards match themselves, and a value inside another text is no param's value.
            #expect(try await store.runs(byParam).map(\.id) == [tenant.id])
            byParam.paramValue = "acme"
            #expect(try await store.runs(byParam).map(\.id) == [other.id])
            byParam.paramValue = "7"
            #expect(try await store.runs(byParam).map(\.id) == [tenant.id])
            let claimed = try await store.claim(limit: 2, jobs: ["j"], queues: .any, worker: "w")
            let discarded = claimed.map { run in
                RunCompletion(runID: run.id, job: "j", attempt: 1, outcome: .finished(run.id == tenant.id ? .discarded : .failed))
            }
            _ = try await store.complete(discarded)
            #expect(Set(try await store.runs(RunQuery(status: .failed)).map(\.id)) == [tenant.id, other.id])
            #expect(try await store.runs(RunQuery(status: .discarded)).map(\.id) == [tenant.id])
        },
        Check("running runs are summarized per job: count, oldest heartbeat, oldest start") { subject in
            let store = subject.store
            _ = try await store.enqueue((0..<3).map { _ in NewRun(job: "j") } + [NewRun(job: "idle")])
            let first = try await store.claim(limit: 1, jobs: ["j"], queues: .any, worker: "w")
            try await subject.pass(.seconds(1))
            _ = try await store.claim(limit: 1, jobs: ["j"], queues: .any, worker: "w")
            let summaries = try await store.runningSummaries()
            #expect(summaries.keys.sorted() == ["j"])
            let summary = try #require(summaries["j"])
            #expect(summary.count == 2)
            let oldest = try #require(first.first?.heartbeatAt)
            #expect(abs((summary.oldestHeartbeat ?? .distantFuture).timeIntervalSince(oldest)) < 0.01)
            #expect(abs((summary.oldestStart ?? .distantFuture).timeIntervalSince(oldest)) < 0.01)
        },
        Check("the last finished run of each job is its newest ending, skipped fires left out") { subject in
            let store = subject.store
            let older = try await store.start(NewRun(job: "j"), worker: "w")
            _ = try await store.complete(RunCompletion(runID: older.id, job: "j", attempt: 1, outcome: .finished(.failed)))
            try await subject.pass(.milliseconds(50))
            let newer = try await store.start(NewRun(job: "j"), worker: "w")
            _ = try await store.complete(RunCompletion(runID: newer.id, job: "j", attempt: 1, outcome: .succeeded))
            try await subject.pass(.milliseconds(50))
            let fire = Date(timeIntervalSince1970: 1_800_000_000)
            _ = try await store.enqueue([NewRun(job: "j")])
            #expect(
                try await store.recordFires([ScheduledFire(job: "j", scheduledFor: fire, maxAttempts: 1, overlap: .forbid)])
                    == [.skipped])
            _ = try await store.start(NewRun(job: "busy"), worker: "w")
            let last = try await store.lastFinishedRuns(of: ["j", "other"])
            #expect(last.keys.sorted() == ["j"])
            #expect(last["j"]?.id == newer.id)
        },
    ]
}
