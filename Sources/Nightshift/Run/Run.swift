import Foundation

/// One row of `nightshift_runs`: a scheduled fire, a manual or API trigger, a retry or a
/// backfill day, with everything that happened to it.
public struct Run: Equatable, Sendable, Identifiable {
    public var id: UUID
    /// The job's name.
    public var job: String
    public var status: RunStatus
    public var trigger: RunTrigger
    /// Who asked for it: a token's name, `cli`, or nil for the scheduler.
    public var triggeredBy: String?
    /// The fire time of a scheduled run.
    public var scheduledFor: Date?
    /// The current (or last) attempt, from 1.
    public var attempt: Int
    public var maxAttempts: Int
    /// The earliest time the run may start (later for a retry after backoff).
    public var runAfter: Date
    public var createdAt: Date
    public var startedAt: Date?
    public var endedAt: Date?
    public var heartbeatAt: Date?
    /// The instance executing it.
    public var worker: String?
    /// 0–100.
    public var progress: Int
    public var params: JSONObject
    public var window: DateWindow?
    public var dryRun: Bool
    /// What the job reported.
    public var details: JSONObject
    /// The last error, if any.
    public var error: String?
    /// Set when someone asked a running run to stop.
    public var cancelRequested: Bool
    /// Lower runs first among runs due at the same time.
    public var priority: Int
    /// The named queue whose concurrency limit it counts against.
    public var queue: String
    /// While this run is queued or running, enqueueing another run with the same key returns this one.
    public var uniqueKey: String?

    /// Creates a run value; stores build these from their rows.
    public init(
        id: UUID, job: String, status: RunStatus, trigger: RunTrigger, triggeredBy: String? = nil,
        scheduledFor: Date? = nil, attempt: Int = 1, maxAttempts: Int = 1, runAfter: Date, createdAt: Date,
        startedAt: Date? = nil, endedAt: Date? = nil, heartbeatAt: Date? = nil, worker: String? = nil,
        progress: Int = 0, params: JSONObject = [:], window: DateWindow? = nil, dryRun: Bool = false,
        details: JSONObject = [:], error: String? = nil, cancelRequested: Bool = false, priority: Int = 0,
        queue: String = NewRun.defaultQueue, uniqueKey: String? = nil
    ) {
        self.priority = priority
        self.queue = queue
        self.uniqueKey = uniqueKey
        self.id = id
        self.job = job
        self.status = status
        self.trigger = trigger
        self.triggeredBy = triggeredBy
        self.scheduledFor = scheduledFor
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.runAfter = runAfter
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.heartbeatAt = heartbeatAt
        self.worker = worker
        self.progress = progress
        self.params = params
        self.window = window
        self.dryRun = dryRun
        self.details = details
        self.error = error
        self.cancelRequested = cancelRequested
    }
}
