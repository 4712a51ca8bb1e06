import Synchronization

/// When this instance last saw a store call fail, so that orphan rescue waits after an outage.
///
/// During an outage no instance can heartbeat, so every running run looks orphaned the moment
/// the database is back. The first instance to reach it then rescued runs that other live
/// instances were executing or had finished but not yet recorded, and a success was recorded
/// as a failure. Waiting one lease after the last failure gives every live instance a third of
/// a lease three times over to heartbeat its runs again.
///
/// A call that hangs counts too, from the moment it is slower than `slowAfter` (a heartbeat
/// interval) until a lease after it ends: while PostgreSQL is down, the pool makes calls wait
/// for a connection rather than fail, so an instance saw one failure at the start of an outage
/// and nothing after, and a rescue that had waited through the outage ran the moment the
/// database was back.
package final class StoreHealth: Sendable {
    private struct Calls {
        /// The clock's uptime at the last failure.
        var lastFailure: Duration?
        /// When each call in flight began, by a number of its own.
        var inFlight: [Int: Duration] = [:]
        var nextNumber = 0
    }

    private let calls = Mutex(Calls())
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
        calls.withLock { $0.lastFailure = now }
    }

    /// Runs the store call `call`, noting a failure when it throws (other than
    /// ``StoreUnsettled``) or takes longer than `slowAfter`; while it runs longer than that,
    /// the store counts as failing.
    func checked<T>(_ call: () async throws -> T) async rethrows -> T {
        let started = clock.uptime
        let number = calls.withLock { calls in
            defer { calls.nextNumber += 1 }
            calls.inFlight[calls.nextNumber] = started
            return calls.nextNumber
        }
        defer { _ = calls.withLock { $0.inFlight.removeValue(forKey: number) } }
        do {
            let result = try await call()
            if clock.uptime - started > slowAfter { noteFailure() }
            return result
        } catch {
            if !(error is StoreUnsettled) { noteFailure() }
            throw error
        }
    }

    /// How long ago the last failure was: zero while a call hangs, nil when no call has failed.
    var sinceLastFailure: Duration? {
        let now = clock.uptime
        return calls.withLock { calls in
            if let oldest = calls.inFlight.values.min(), now - oldest > slowAfter { return .zero }
            return calls.lastFailure.map { now - $0 }
        }
    }

    /// Throws ``StoreUnsettled`` when a call failed within `settling` or one hangs now.
    func requireSettled(for settling: Duration) throws(StoreUnsettled) {
        if let since = sinceLastFailure, since < settling { throw StoreUnsettled(failedAgo: since) }
    }
}
