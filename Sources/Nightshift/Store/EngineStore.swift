import Foundation

/// What the scheduler and the workers need of a store: fires, claims, heartbeats, endings and
/// leases, besides what the engine's upkeep services need (the ports it refines). Every method
/// is one short statement or transaction, safe to call from many instances at once; times that several instances compare (leases, heartbeats, `run_after`)
/// come from the store's clock (the database's), never from the caller's.
public protocol EngineStore: InstanceStore, OrphanRescueStore, HistoryPruningStore, RunStatisticsStore,
    NewRunAnnouncements
{
    /// Writes the config-owned fields of the jobs (schedule, description, enabled), keeping
    /// pause state, counters and watermarks.
    func register(_ jobs: [JobRegistration]) async throws
    /// Moves the job's watermark forward to `fire` (never backward).
    func advanceWatermark(job: String, to fire: Date) async throws
    /// Takes or renews the named lease for `duration`; true when `holder` has it now.
    func acquireLease(_ name: String, holder: String, duration: Duration) async throws -> Bool
    /// Gives the lease up at once, if `holder` has it.
    func releaseLease(_ name: String, holder: String) async throws
    /// Records scheduled fires under the unique key (job, scheduled_for), applying each fire's
    /// overlap policy against the job's queued and running runs.
    func recordFires(_ fires: [ScheduledFire]) async throws -> [FireOutcome]
    /// Claims up to `limit` runnable runs of `jobs` in the queues `queues` selects (not paused,
    /// `run_after` passed), highest priority and oldest first, marking them `running` for
    /// `worker`, with progress, details and error cleared for the attempt starting (an earlier
    /// attempt's error stays in its attempt row).
    func claim(limit: Int, jobs: [String], queues: QueueFilter, worker: String) async throws -> [Run]
    /// Creates `run` already claimed by `worker`, in one transaction, so that no other instance
    /// can take it first (`nightshift run` beside a `serve` on the same store).
    func start(_ run: NewRun, worker: String) async throws -> Run
    /// Claims one run by id if it is queued, whatever its `run_after` (foreground runs), as
    /// ``claim(limit:jobs:queues:worker:)`` does.
    func claim(runID: UUID, worker: String) async throws -> Run?
    /// Puts runs that `worker` claimed but never started (prefetched ones, at shutdown) back in
    /// the queue as if they had not been claimed: same attempt, no attempt row.
    func release(_ runIDs: [UUID], worker: String) async throws
    /// Stamps the heartbeat and progress of running runs; returns the ids whose cancellation
    /// was requested.
    func heartbeat(_ progress: [UUID: Int], worker: String) async throws -> Set<UUID>
    /// Applies the ends of attempts, all in one transaction, each only if its run is still
    /// `running` at that attempt; returns the ids of the runs it applied to (a run rescued,
    /// cancelled or finished meanwhile is left alone).
    func complete(_ completions: [RunCompletion]) async throws -> Set<UUID>
}
