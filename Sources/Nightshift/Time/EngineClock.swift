import Foundation

/// Where the engine reads the time and waits: the scheduler, workers, timeouts, heartbeats,
/// leases, backoff, pruning and wake-ups all go through one clock.
///
/// Production uses ``SystemClock``. Tests pass the `ManualClock` of `NightshiftTesting`, which
/// moves only when the test moves it, so that cron fires, retries, timeouts and lease expiry
/// happen in milliseconds, without sleeping. Times that several instances compare (leases,
/// heartbeats, `run_after`) still come from the store: the database clock is the authority.
public protocol EngineClock: Sendable {
    /// The wall-clock time now.
    var now: Date { get }
    /// A monotonic reading: the difference between two readings is the time that passed
    /// between them, whatever happens to the wall clock meanwhile.
    var uptime: Duration { get }
    /// Returns after `duration` by this clock; throws `CancellationError` when the calling task
    /// is cancelled first.
    func sleep(for duration: Duration) async throws
}
