import Synchronization

/// When this instance last saw a store call fail, so that orphan rescue waits after an outage.
///
/// During an outage no instance can heartbeat, so every running run looks orphaned the moment
/// the database is back. The first instance to reach it then rescued runs that other live
/// instances were executing or had finished but not yet recorded, and a success was recorded
/// as a failure. Waiting one lease after the last failure gives every live instance a third of
/// a lease three times over to heartbeat its runs again.
final class StoreHealth: Sendable {
    private let lastFailure = Mutex<ContinuousClock.Instant?>(nil)

    /// Notes that a store call failed now.
    func noteFailure() {
        lastFailure.withLock { $0 = .now }
    }

    /// How long ago the last failure was; nil when no call has failed.
    var sinceLastFailure: Duration? {
        lastFailure.withLock { $0.map { .now - $0 } }
    }
}
