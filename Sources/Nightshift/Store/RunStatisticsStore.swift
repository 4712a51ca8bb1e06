import Foundation

/// What keeping the run statistics needs of a store: its clock and the summary.
public protocol RunStatisticsStore: StoreClock {
    /// Adds the runs that ended after the statistics' mark and before `before` (at most `span`
    /// of them) to the kept ``RunStatistics``, moves the mark there and drops statistics past
    /// their age, in one transaction; returns the new mark. Without a mark, starts
    /// ``RunStatistics/backfill`` before `before`. Two callers at once cannot count a run twice:
    /// the mark moves only from where the transaction found it.
    func summarizeFinishedRuns(before: Date, span: Duration) async throws -> Date
}
