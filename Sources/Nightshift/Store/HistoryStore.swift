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
    /// All `queued` and `running` runs.
    func activeRuns() async throws -> [Run]
    /// Each job's `running` runs, summarized in one grouped statement.
    func runningSummaries() async throws -> [String: RunningSummary]
    /// The newest finished, not skipped, run of each of `jobs` (an index probe per job, never
    /// the history).
    func lastFinishedRuns(of jobs: [String]) async throws -> [String: Run]
    /// The recorded attempts of run `id`, oldest first (a running attempt has no record yet).
    func attempts(of id: UUID) async throws -> [AttemptRecord]
    /// Finished runs that ended at or after `since`, per `bucketSeconds` and outcome, with
    /// their durations' histograms: from the kept ``RunStatistics`` (hours when `bucketSeconds`
    /// is whole hours, else minutes) up to their mark; after a mark that is absent or stale (no
    /// engine keeps them), from the runs themselves.
    func runStatistics(since: Date, bucketSeconds: Int) async throws -> [FinishedRunBucket]
    /// How many runs of each queue ended at or after `since` (to the minute): from the kept
    /// statistics up to their mark, and after a mark that is absent or stale, from the runs.
    func queueThroughput(since: Date) async throws -> [String: Int]
    /// The queues paused now.
    func pausedQueues() async throws -> Set<String>
    /// The instances heard of within the last day, newest heartbeat first.
    func instances() async throws -> [InstanceState]
    /// The newest `limit` runs of each of `jobs`, newest first, as marks, in one statement.
    func recentRuns(of jobs: [String], limit: Int) async throws -> [String: [RunMark]]
    /// Failed and discarded runs that ended at or after `since` (to the hour), counted per job
    /// and ``FailureFingerprint``, largest groups first, at most `limit` groups: from the kept
    /// hourly failure statistics up to their mark; after a mark that is absent or stale, from
    /// the runs.
    func failureGroups(since: Date, limit: Int) async throws -> [FailureGroup]
    /// Each queue's depth, running runs and oldest due run: one pass over the queued runs' index
    /// and one over the running runs.
    func queueSummaries() async throws -> [String: QueueSummary]
}

extension HistoryStore {
    /// The number of `queued` runs in each queue that has any (from ``queueSummaries()``).
    public func queueDepths() async throws -> [String: Int] {
        try await queueSummaries().compactMapValues { $0.depth > 0 ? $0.depth : nil }
    }

    /// The `run_after` of each queue's oldest due queued run (from ``queueSummaries()``).
    public func oldestQueuedRuns() async throws -> [String: Date] {
        try await queueSummaries().compactMapValues(\.oldestDue)
    }
}
