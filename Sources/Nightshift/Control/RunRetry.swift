import Foundation

/// Retrying finished runs: one, or every run matching a filter, in chunks. A retry is a new run
/// of the same job with the same params, window and dry-run flag (trigger `retry`); the run
/// retried keeps its history. Each retry carries the unique key `retry:<run id>`, so retrying
/// the same run again while its retry is still queued or running makes no second one.
public enum RunRetry {
    /// What a bulk retry matches.
    public struct Filter: Sendable, Equatable {
        /// Only runs of this job; nil for every job.
        public var job: String?
        /// Only runs in this status: `failed`, `discarded` or `cancelled`.
        public var status: RunStatus
        /// Only runs created at or after this time.
        public var since: Date?
        /// Only runs created before this time.
        public var until: Date?

        /// A filter.
        public init(job: String? = nil, status: RunStatus = .failed, since: Date? = nil, until: Date? = nil) {
            self.job = job
            self.status = status
            self.since = since
            self.until = until
        }
    }

    /// What a bulk retry did.
    public struct Outcome: Sendable, Equatable, Codable {
        /// Runs that matched the filter.
        public var matched: Int
        /// New runs queued (matched runs whose retry was already active, or whose job is no
        /// longer configured, are not counted).
        public var retried: Int
        /// The first 100 new runs' ids.
        public var runIds: [String]
    }

    /// The statuses a run may be retried from.
    public static let retryable: Set<RunStatus> = [.failed, .discarded, .cancelled]

    /// The run that retries `run` of `job`, triggered by `who`.
    public static func newRun(retrying run: Run, job: Job, by who: String) -> NewRun {
        NewRun(
            job: run.job, trigger: .retry, triggeredBy: who, maxAttempts: job.policies.retry.maxAttempts,
            params: run.params, window: run.window, dryRun: run.dryRun, queue: job.policies.queue,
            uniqueKey: "retry:\(run.id.lowercasedText)")
    }

    /// Retries every run matching `filter`, `chunk` at a time (newest first, one read and one
    /// batch insert per chunk), as `who`. `mayActOn` says which jobs the caller may retry;
    /// others are skipped.
    public static func retryMatching(
        _ filter: Filter, store: any HistoryStore & ControlStore, jobs: [String: Job], by who: String, chunk: Int = 500,
        mayActOn: (String) -> Bool = { _ in true }
    ) async throws -> Outcome {
        var outcome = Outcome(matched: 0, retried: 0, runIds: [])
        var before: UUID?
        while true {
            var query = RunQuery(job: filter.job, status: filter.status, limit: chunk, before: before)
            query.until = filter.until
            let page = try await store.runs(query)
            guard let last = page.last else { break }
            before = last.id
            let matching = page.filter { run in filter.since.map { run.createdAt >= $0 } ?? true }
            outcome.matched += matching.count
            let requests = matching.compactMap { run in
                jobs[run.job].flatMap { mayActOn(run.job) ? newRun(retrying: run, job: $0, by: who) : nil }
            }
            if !requests.isEmpty {
                let created = try await store.enqueue(requests)
                let requested = Set(requests.map(\.id))
                let new = created.filter { requested.contains($0.id) }
                outcome.retried += new.count
                outcome.runIds += new.prefix(max(0, 100 - outcome.runIds.count)).map(\.id.lowercasedText)
            }
            // Newest first: once a page reaches past `since`, older pages cannot match.
            if let since = filter.since, last.createdAt < since { break }
            if page.count < chunk { break }
        }
        return outcome
    }
}
