import Foundation
import Nightshift
import NightshiftTesting
import Testing

/// A typed job name ties the job's params to the code that enqueues it.
@Suite struct JobNameTests {
    struct Invoice: Codable, Sendable, Equatable { let id: Int }
    static let sendInvoice: JobName<Invoice> = "send-invoice"

    @Test("a job defined and enqueued by its typed name gets its params decoded")
    func typedParams() async throws {
        let job = try Job(name: Self.sendInvoice) { _, invoice in ["sent": .number(Double(invoice.id))] }
        let kit = try await NightshiftTestKit(jobs: [job], mode: .inline)
        let run = try await kit.enqueue(try NewRun(job: Self.sendInvoice, params: Invoice(id: 42), maxAttempts: 2))[0]
        #expect(run.job == "send-invoice" && run.params == ["id": 42])
        #expect(try await kit.store.run(id: run.id)?.details == ["sent": 42])
    }

    @Test("params that do not decode as the job's type fail the attempt, naming the field")
    func mismatchedParams() async throws {
        let job = try Job(name: Self.sendInvoice) { _, invoice in ["sent": .number(Double(invoice.id))] }
        let kit = try await NightshiftTestKit(jobs: [job], mode: .inline)
        let run = try await kit.enqueue(NewRun(job: "send-invoice", params: ["invoice": 42]))[0]
        let failed = try #require(try await kit.store.run(id: run.id))
        #expect(failed.status == .failed && failed.error?.contains("id") == true, "\(failed.error ?? "")")
    }
}
