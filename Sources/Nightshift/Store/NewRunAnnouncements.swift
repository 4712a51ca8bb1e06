import Foundation

/// A store that can announce new runs to waiting workers (PostgreSQL LISTEN).
public protocol NewRunAnnouncements: Sendable {
    /// Calls `wake` whenever another connection announces new runs (PostgreSQL LISTEN), until
    /// cancelled; returns at once where the database has no such announcements. A wake-up is only
    /// a hint: workers poll anyway.
    func listenForNewRuns(_ wake: @escaping @Sendable () -> Void) async throws
}
