/// What happens when a fire comes while the previous run of the same job is still queued or
/// running, as Kubernetes' `concurrencyPolicy`.
public enum OverlapPolicy: String, Sendable, CaseIterable {
    /// Record the new fire as `skipped` (the default).
    case forbid
    /// Run both.
    case allow
    /// Cancel the older run and start the new one.
    case replace
}

/// Which missed fires run after downtime (a stopped scheduler, a leader change).
public enum CatchUpPolicy: String, Sendable, CaseIterable {
    /// Missed fires are dropped; only fires due now run.
    case none
    /// The most recent missed fire runs once (the default).
    case latest
    /// Every missed fire within the starting deadline runs, up to ``JobPolicies/maxCatchUp``.
    case all
}

/// The policies of one job; every field has the default a new job gets.
public struct JobPolicies: Equatable, Sendable {
    /// How long an attempt may run before it is cancelled and counted as failed; nil: no limit.
    public var timeout: Duration?
    /// Retries with exponential backoff and jitter.
    public var retry: RetryPolicy
    /// What happens to a fire while an earlier run is active.
    public var overlap: OverlapPolicy
    /// Which missed fires run after downtime.
    public var catchUp: CatchUpPolicy
    /// How late after its fire time a missed fire may still start; nil: 7 days.
    public var startingDeadline: Duration?
    /// The most missed fires `catch_up: all` starts at once (the most recent ones).
    public var maxCatchUp: Int
    /// Consecutive failed runs after which the job's health is `FAILING`.
    public var alertAfterFailures: Int
    /// The most runs of this job one instance executes at once; nil: no per-job limit.
    public var concurrency: Int?
    /// The queue the job's runs go to.
    public var queue: String
    /// How long this job's finished runs are kept; nil: the global rule.
    public var history: HistoryRetention.Rule?
    /// How long the job may go without a successful run before it is OVERDUE (and an `overdue`
    /// alert opens), counted from its last success or, before any, from its registration.
    public var expectSuccessWithin: Duration?

    /// Policies with the documented defaults.
    public init(
        timeout: Duration? = nil, retry: RetryPolicy = RetryPolicy(), overlap: OverlapPolicy = .forbid,
        catchUp: CatchUpPolicy = .latest, startingDeadline: Duration? = nil, maxCatchUp: Int = 100,
        alertAfterFailures: Int = 3, concurrency: Int? = nil, queue: String = NewRun.defaultQueue,
        history: HistoryRetention.Rule? = nil, expectSuccessWithin: Duration? = nil
    ) {
        self.expectSuccessWithin = expectSuccessWithin
        self.queue = queue
        self.history = history
        self.timeout = timeout
        self.retry = retry
        self.overlap = overlap
        self.catchUp = catchUp
        self.startingDeadline = startingDeadline
        self.maxCatchUp = maxCatchUp
        self.alertAfterFailures = alertAfterFailures
        self.concurrency = concurrency
    }
}
