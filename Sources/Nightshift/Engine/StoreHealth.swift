import Synchronization

/// When this instance last saw a store call fail, so that orphan rescue waits after an outage.
///
/// During an outage no instance can heartbeat, so every running run looks orphaned the moment
/// the database is back. The first instance to reach it then rescued runs that other live
/// instances were executing or had finished but not yet recorded, and a success was recorded
/// as a failure. Waiting one lease after the last failure gives every live instance a third of
/// a lease three times over to heartbeat its runs again.
///
/// A call that hangs counts too: while PostgreSQL is down, the pool makes calls wait for a
/// connection rather than fail, so an instance saw one failure at the start of an outage and
/// nothing after; a call slower than `slowAfter` (a heartbeat interval) is noted as a failure
/// when it ends.
package final class StoreHealth: Sendable {
    /// The clock's uptime at the last failure.
    private let lastFailure = Mutex<Duration?>(nil)
    private let slowAfter: Duration
    private let clock: any EngineClock

    /// Health that counts a call slower than `slowAfter` by `clock` as a failure.
    package init(slowAfter: Duration = .seconds(10), clock: any EngineClock = SystemClock()) {
        self.slowAfter = slowAfter
        self.clock = clock
    }

    /// Notes that a store call failed now.
    func noteFailure() {
        let now = clock.uptime
        lastFailure.withLock { $0 = now }
    }

    /// Runs the store call `call`, noting a failure when it throws or takes longer than
    /// `slowAfter`.
    func checked<T>(_ call: () async throws -> T) async rethrows -> T {
        let started = clock.uptime
        do {
            let result = try await call()
            if clock.uptime - started > slowAfter { noteFailure() }
            return result
        } catch {
            noteFailure()
            throw error
        }
    }

    /// How long ago the last failure was; nil when no call has failed.
    var sinceLastFailure: Duration? {
        let now = clock.uptime
        return lastFailure.withLock { $0.map { now - $0 } }
    }
}
