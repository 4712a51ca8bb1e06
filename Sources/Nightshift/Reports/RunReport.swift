/// One run as the API's `/api/jobs/runs` and `nightshift runs --json` show it.
public struct RunReport: Codable, Equatable, Sendable {
    public var id: String
    public var name: String
    public var status: RunStatus
    public var trigger: RunTrigger
    public var triggeredBy: String?
    /// When the run was queued or recorded.
    public var createdAt: String
    public var scheduledFor: String?
    public var startedAt: String?
    public var endedAt: String?
    public var attempt: Int
    public var progress: Int
    public var details: JSONObject
    public var error: String?
    public var queue: String
    public var params: JSONObject
    /// The span of time the run works on (backfills and ranges), ISO 8601 UTC.
    public var window: WindowReport?
    public var dryRun: Bool
    /// Every ended attempt, oldest first: only in the report of one run.
    public var attempts: [AttemptReport]?

    /// `{from, to}` of a run's window.
    public struct WindowReport: Codable, Equatable, Sendable {
        public var from: String
        public var to: String
    }

    /// The report of `run`, timestamps in ISO 8601 UTC, with `attempts` when given.
    public init(_ run: Run, attempts: [AttemptRecord]? = nil) {
        id = run.id.lowercasedText
        name = run.job
        status = run.status
        trigger = run.trigger
        triggeredBy = run.triggeredBy
        createdAt = ISO8601Format.string(from: run.createdAt)
        scheduledFor = run.scheduledFor.map(ISO8601Format.string(from:))
        startedAt = run.startedAt.map(ISO8601Format.string(from:))
        endedAt = run.endedAt.map(ISO8601Format.string(from:))
        attempt = run.attempt
        progress = run.progress
        details = run.details
        error = run.error
        queue = run.queue
        params = run.params
        window = run.window.map {
            WindowReport(from: ISO8601Format.string(from: $0.from), to: ISO8601Format.string(from: $0.to))
        }
        dryRun = run.dryRun
        self.attempts = attempts?.map(AttemptReport.init)
    }
}

/// `{"runs": [...], "next": cursor}`: a page of runs, newest first; `next` is the id to pass as
/// `before` for the following page, nil on the last page.
public struct RunListReport: Codable, Equatable, Sendable {
    public var runs: [RunReport]
    public var next: String?

    /// A page of `runs`; `limit` is the page size asked for.
    public init(runs: [Run], limit: Int) {
        self.runs = runs.map { RunReport($0) }
        next = runs.count == limit ? runs.last?.id.lowercasedText : nil
    }
}
