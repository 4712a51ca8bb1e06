import Nightshift
import Synchronization

/// The memory store's stand-in for an application's database transaction: runs enqueued in it
/// exist only if the transaction's body returns, as runs enqueued in the caller's transaction
/// on PostgreSQL or SQLite exist only if it commits.
public final class MemoryTransaction: Sendable {
    private let pending = Mutex<[NewRun]>([])

    init() {}

    /// Enqueues `runs` when the transaction commits.
    public func enqueue(_ runs: NewRun...) {
        pending.withLock { $0 += runs }
    }

    /// What was enqueued, in order.
    var runs: [NewRun] { pending.withLock { $0 } }
}

extension MemoryJobStore {
    /// Runs `body`; the runs it enqueued on the transaction are enqueued together if it returns,
    /// and never if it throws.
    @discardableResult
    public func transaction<R>(_ body: (MemoryTransaction) async throws -> R) async throws -> R {
        let transaction = MemoryTransaction()
        let result = try await body(transaction)
        _ = try await enqueue(transaction.runs)
        return result
    }
}
