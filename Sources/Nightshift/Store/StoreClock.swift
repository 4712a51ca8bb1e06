import Foundation

/// The store's clock: the time that several instances compare (leases, heartbeats,
/// `run_after`) is the database's, never a caller's.
public protocol StoreClock: Sendable {
    /// The database's current time.
    func databaseNow() async throws -> Date
}
