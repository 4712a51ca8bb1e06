import Foundation
import Logging
import Nightshift
import NightshiftSQL
import ServiceLifecycle

// The store: your PostgreSQL (DATABASE_URL), or an SQLite file to try it.
let logger = Logger(label: "app")
let storeURL = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "sqlite:jobs.db"
let store = try await SQLJobStore.open(storeURL, logger: logger)
try await store.migrate()

// A job on a schedule: every six hours, in the store's clock; a dry run changes nothing.
let cleanup = try Job(name: "cleanup-sessions", schedule: try Schedule("0 */6 * * *")) { context in
    let expired = context.isDryRun ? 0 : 3  // your own code: delete the expired sessions
    return ["expiredCount": .number(Double(expired))]
}

// A job your code enqueues, with typed params: the name and the type cannot drift apart.
struct Invoice: Codable, Sendable { let id: Int }
let sendInvoice: JobName<Invoice> = "send-invoice"
let invoices = try Job(name: sendInvoice) { context, invoice in
    context.logger.info("sent invoice \(invoice.id)")  // logged with its job, run and attempt
    return ["sent": .number(Double(invoice.id))]
}

// Enqueue from anywhere in the app; the same unique key while queued or running is one run.
_ = try await store.enqueue([try NewRun(job: sendInvoice, params: Invoice(id: 42), uniqueKey: "invoice-42")])

// The scheduler and the workers, stopped cleanly by SIGTERM or Ctrl-C.
let engine = NightshiftEngine(store: store, jobs: [cleanup, invoices], logger: logger)
let group = ServiceGroup(services: [engine], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
try await group.run()
