import Foundation
import Nightshift
import NightshiftTesting
import Testing

struct Invoice: Codable { let id: Int }
struct MailServerDown: Error {}

/// Fails its first attempt, as a flaky mail server would.
func sendInvoice() throws -> Job {
    let retry = RetryPolicy(maxAttempts: 3, backoffBase: .seconds(30))
    return try Job(name: "send-invoice", policies: JobPolicies(retry: retry)) { context in
        let invoice = try context.params(as: Invoice.self)
        if context.attempt == 1 { throw MailServerDown() }
        return ["sent": .number(Double(invoice.id))]
    }
}

/// The README's "Test your jobs" examples, as a user of Nightshift writes them.
@Suite struct TestYourJobsTests {
    @Test("a job enqueued in a transaction fails once, is retried after its backoff, and succeeds")
    func retriedInvoice() async throws {
        let kit = try await NightshiftTestKit(jobs: [try sendInvoice()])
        try await kit.transaction { transaction in
            transaction.enqueue(try NewRun(job: "send-invoice", params: Invoice(id: 42), maxAttempts: 3))
        }
        kit.assertEnqueued("send-invoice", count: 1)
        #expect(try await kit.drain() == .init(retried: 1))
        #expect(try await kit.drain().attempts == 0, "the retry waits for its backoff")
        try await kit.advance(by: .seconds(60))
        #expect(try await kit.drain() == .init(succeeded: 1))
        let run = try #require(kit.store.snapshot.runs.first)
        #expect(run.status == .succeeded && run.attempt == 2 && run.details == ["sent": 42])
    }

    @Test("a transaction that throws enqueues nothing")
    func rolledBack() async throws {
        let kit = try await NightshiftTestKit(jobs: [try sendInvoice()])
        struct OrderRejected: Error {}
        await #expect(throws: OrderRejected.self) {
            try await kit.transaction { transaction in
                transaction.enqueue(try NewRun(job: "send-invoice", params: Invoice(id: 7)))
                throw OrderRejected()
            }
        }
        kit.refuteEnqueued("send-invoice")
    }

    @Test("inline mode runs what is enqueued at once, in the caller's task")
    func inline() async throws {
        let kit = try await NightshiftTestKit(jobs: [try sendInvoice()], mode: .inline)
        let run = try await kit.enqueue(try NewRun(job: "send-invoice", params: Invoice(id: 1), maxAttempts: 3))[0]
        #expect(try await kit.store.run(id: run.id)?.error == "MailServerDown()", "the first attempt ran and failed")
        try await kit.advance(by: .seconds(60))
        #expect(try await kit.store.run(id: run.id)?.status == .succeeded)
    }

    @Test("a 09:00 New York job fires at 14:00 UTC before the spring DST change and at 13:00 UTC after")
    func cronAcrossDST() async throws {
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        let report = try Job(name: "morning-report", schedule: try Schedule("0 9 * * *", timeZone: newYork)) { _ in [:] }
        let kit = try await NightshiftTestKit(jobs: [report], now: try Date("2027-03-13T12:00:00Z", strategy: .iso8601))
        try await kit.advance(to: try Date("2027-03-13T13:59:59Z", strategy: .iso8601))
        kit.refuteEnqueued("morning-report")
        try await kit.advance(to: try Date("2027-03-13T14:00:00Z", strategy: .iso8601))
        kit.assertEnqueued("morning-report", count: 1)
        #expect(try await kit.drain().succeeded == 1)
        try await kit.advance(to: try Date("2027-03-14T13:00:00Z", strategy: .iso8601))
        #expect(try await kit.drain().succeeded == 1)
        let fires = kit.store.snapshot.runs.compactMap(\.scheduledFor).map { $0.formatted(.iso8601) }
        #expect(fires == ["2027-03-13T14:00:00Z", "2027-03-14T13:00:00Z"])
    }
}
