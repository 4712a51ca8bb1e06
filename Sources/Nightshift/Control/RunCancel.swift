import Foundation

/// Cancelling every queued and running run matching a filter, in chunks: a queued run is
/// cancelled at once, a running one is asked to stop (as `nightshift cancel` does for one).
public enum RunCancel {
    /// What a bulk cancel did.
    public struct Outcome: Sendable, Equatable, Codable {
        /// Queued and running runs that matched the filter.
        public var matched: Int
        /// Runs cancelled or asked to stop (runs that ended meanwhile are not counted).
        public var cancelled: Int
    }

    /// Cancels every run in `statuses` (queued, running or both) of `job` (every job when nil),
    /// created at or after `since` and before `until` when given, `chunk` at a time (one read
    /// and one update per chunk), recorded as asked by `who`. `mayActOn` says which jobs the
    /// caller may cancel; others are skipped.
    public static func cancelMatching(
        job: String?, statuses: [RunStatus] = [.queued, .running], since: Date? = nil, until: Date? = nil,
        store: any HistoryStore & ControlStore, by who: String, chunk: Int = 500, mayActOn: (String) -> Bool = { _ in true }
    ) async throws -> Outcome {
        var outcome = Outcome(matched: 0, cancelled: 0)
        for status in statuses where !status.isFinished {
            var before: UUID?
            while true {
                var query = RunQuery(job: job, status: status, limit: chunk, before: before)
                query.since = since
                query.until = until
                let page = try await store.runs(query)
                guard let last = page.last else { break }
                before = last.id
                let allowed = page.filter { mayActOn($0.job) }
                outcome.matched += allowed.count
                outcome.cancelled += try await store.requestCancel(runIDs: allowed.map(\.id), by: who).count
                if page.count < chunk { break }
            }
        }
        return outcome
    }
}
