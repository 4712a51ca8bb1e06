import Foundation

/// What a worker pool holds and its decisions on it, as plain state: how many runs to claim,
/// how many slots to open, how much to buffer. The pool keeps it under a lock and acts on what
/// it answers; tests drive it with a clock's readings.
///
/// A claimed run can go: buffered (`prefetched`) → executing (a slot took it) → recording (it
/// ended; its ending is not written yet) → gone (written); or buffered → gone (cancelled before
/// it started, or released to the queue at shutdown).
struct WorkerPoolState {
    /// Attempts executing now.
    var executing: [UUID: AttemptHandle] = [:]
    /// Attempts that ended and whose endings are not written yet: still `running` in the
    /// database, so they are heartbeated until written, or orphan rescue would take them.
    var recording: [UUID: AttemptHandle] = [:]
    /// Claimed runs waiting for a slot, the next one last: taking it is O(1), where taking
    /// the first of a thousand moved the other 999 (a tenth of the engine's CPU, measured).
    var prefetched: [Run] = []
    /// Slot tasks alive: each executes buffered runs until the buffer is empty.
    var slots = 0
    /// Attempts ended per second lately, and the window being counted.
    var completionRate = 0.0
    var windowStart: Duration
    var endedInWindow = 0

    /// How many runs to hold beyond the slots: about `horizon` seconds of work at the recent
    /// rate, at most `limit`. Slow jobs get none (a run waiting in this instance's buffer
    /// while another instance idles would wait for a slot here); no-op jobs get the most.
    mutating func prefetch(limit: Int, horizon: Double, sample: Int, now: Duration) -> Int {
        let elapsed = (now - windowStart).inSeconds
        // A window ends after `horizon`, or sooner once it has seen `sample` endings, enough
        // to tell the rate, so a burst of quick jobs is prefetched within milliseconds.
        if elapsed >= horizon || (endedInWindow >= sample && elapsed > 0) {
            completionRate = Double(endedInWindow) / elapsed
            windowStart = now
            endedInWindow = 0
        }
        return min(limit, Int(completionRate * horizon))
    }

    /// How many runs to claim now: none while the buffer still holds enough (more than half
    /// of what it should), so that one claim serves many slots; otherwise enough to fill the
    /// slots and the buffer. Moves the completion-rate window (see ``prefetch``).
    mutating func claimWanted(concurrency: Int, prefetchLimit: Int, horizon: Double, sample: Int, now: Duration) -> Int {
        let prefetch = prefetch(limit: prefetchLimit, horizon: horizon, sample: sample, now: now)
        let wanted = concurrency + prefetch - executing.count - prefetched.count
        return wanted > 0 && prefetched.count <= prefetch / 2 ? wanted : 0
    }

    /// Takes `claimed` into the buffer (the first claimed is taken first) and opens slots for
    /// them, up to `concurrency` slots in all; returns how many slots to start.
    mutating func accept(_ claimed: [Run], concurrency: Int) -> Int {
        prefetched.insert(contentsOf: claimed.reversed(), at: 0)
        let count = max(0, min(concurrency - slots, prefetched.count))
        slots += count
        return count
    }
}
