import Foundation

/// What a store tells about jobs and runs, for status, listings and the admin API: reads only.
public protocol HistoryStore: Sendable {
    /// The control rows of all jobs.
    func jobStates() async throws -> [JobState]
    /// Who holds the named lease now, if it has not expired.
    func leaseHolder(_ name: String) async throws -> String?
    /// Lists runs, newest first.
    func runs(_ query: RunQuery) async throws -> [Run]
    /// One run.
    func run(id: UUID) async throws -> Run?
    /// The runs of `ids` that exist, in no particular order, in one statement.
    func runs(ids: [UUID]) async throws -> [Run]
    /// The number of `queued` runs in each queue.
    func queueDepths() async throws -> [String: Int]
    /// All `queued` and `running` runs.
    func activeRuns() async throws -> [Run]
    /// Each job's `running` runs, summarized in one grouped statement.
    func runningSummaries() async throws -> [String: RunningSummary]
    /// The newest finished, not skipped, run of each of `jobs` (an index probe per job, never
    /// the history).
    func lastFinishedRuns(of jobs: [String]) async throws -> [String: Run]
    /// The recorded attempts of run `id`, oldest first (a running attempt has no record yet).
    func attempts(of id: UUID) async throws -> [AttemptRecord]
    /// Runs that ended at or after `since`, counted per `bucketSeconds` of their end and per
    /// outcome (an index range on the end time; never the whole history).
    func finishedRunBuckets(since: Date, bucketSeconds: Int) async throws -> [FinishedRunBucket]
    /// The queues paused now.
    func pausedQueues() async throws -> Set<String>
    /// The instances heard of within the last day, newest heartbeat first.
    func instances() async throws -> [InstanceState]
    /// The newest `limit` runs of each of `jobs`, newest first, as marks, in one statement.
    func recentRuns(of jobs: [String], limit: Int) async throws -> [String: [RunMark]]
    /// Failed and discarded runs created at or after `since`, counted per job and error text,
    /// largest groups first, at most `limit` groups (the index of failures; never the history).
    func failureGroups(since: Date, limit: Int) async throws -> [FailureGroup]
    /// Each queue's depth and oldest due run, in one pass over the queued runs.
    func queueSummaries() async throws -> [String: QueueSummary]
}
