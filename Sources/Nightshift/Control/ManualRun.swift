import Foundation

/// A job run by hand, as the API's trigger, the dashboard's form and `nightshift run` all ask
/// for it: no day, one `date`, or each day `from` through `to` as its own run, at most
/// ``maximumDays`` of them, with params and the dry-run flag. One rule for all three, so that
/// none of them queues what another would refuse.
public struct ManualRun: Sendable {
    /// The most days one request may cover: a year and a day, so that a year's backfill fits
    /// and a typo in a year does not queue a decade.
    public static let maximumDays = 366

    /// What the request got wrong, naming the field.
    public struct Problem: BadInput, Equatable, Sendable {
        /// The field at fault: `date`, `from`, `to` or `params`.
        public let field: String
        /// What is wrong, naming the text as written.
        public let reason: String
        public var description: String { reason }
    }

    /// The one day to run for (`YYYY-MM-DD`, `today` or `yesterday`).
    public var date: String?
    /// The first day of a range.
    public var from: String?
    /// The last day of a range.
    public var to: String?
    /// The params every run gets.
    public var params: JSONObject
    /// Whether the runs report what they would change and change nothing.
    public var dryRun: Bool

    /// A request for `date`, or for `from` through `to`, or for no day when all are nil.
    public init(date: String? = nil, from: String? = nil, to: String? = nil, params: JSONObject = [:], dryRun: Bool = false) {
        self.date = date
        self.from = from
        self.to = to
        self.params = params
        self.dryRun = dryRun
    }

    /// The windows asked for, in `timeZone`: `[nil]` for no day, one for `date`, one per day of
    /// the range.
    public func windows(in timeZone: TimeZone, now: Date = Date()) throws(Problem) -> [DateWindow?] {
        func days(_ first: String, _ last: String, field: String) throws(Problem) -> [DateWindow] {
            do {
                return try DateWindow.days(from: first, through: last, in: timeZone, atMost: Self.maximumDays, now: now)
            } catch {
                // A range too long is the end's fault; other problems are the field's own.
                throw Problem(field: error.isTooLong ? "to" : field, reason: error.reason)
            }
        }
        switch (date, from, to) {
        case (nil, nil, nil): return [nil]
        case (let date?, nil, nil): return try days(date, date, field: "date")
        case (_?, _, _): throw Problem(field: "date", reason: "give date, or from and to, not both")
        case (nil, let from?, let to?):
            _ = try days(from, from, field: "from")
            _ = try days(to, to, field: "to")
            return try days(from, to, field: "from")
        case (nil, nil, _?): throw Problem(field: "from", reason: "'to' needs 'from'")
        case (nil, _?, nil): throw Problem(field: "to", reason: "'from' needs 'to'")
        }
    }

    /// The runs of `job` this request makes, recorded as triggered by `who`: one run with
    /// `trigger`, or, for a range of several days, one `backfill` run per day. Each gets the job's
    /// attempts and queue.
    public func newRuns(of job: Job, trigger: RunTrigger, by who: String?, now: Date = Date()) throws(Problem) -> [NewRun] {
        if let problem = ParamName.problem(in: params) { throw Problem(field: "params", reason: problem) }
        let windows = try windows(in: job.timeZone, now: now)
        return windows.map { window in
            NewRun(
                job: job.name, trigger: windows.count > 1 ? .backfill : trigger, triggeredBy: who,
                maxAttempts: job.policies.retry.maxAttempts, params: params, window: window, dryRun: dryRun,
                queue: job.policies.queue)
        }
    }
}
