import Foundation

/// A run to be created: enqueued by code, a manual trigger, the API, a retry or a backfill.
///
/// ```swift
/// struct Invoice: Codable { let id: Int }
/// let run = try NewRun(job: "send-invoice", params: Invoice(id: 42), uniqueKey: "invoice-42")
/// ```
public struct NewRun: Sendable {
    /// The queue of runs that name none.
    public static let defaultQueue = "default"

    public var id: UUID
    public var job: String
    public var trigger: RunTrigger
    public var triggeredBy: String?
    public var maxAttempts: Int
    /// When nil, the run may start at once.
    public var runAfter: Date?
    public var params: JSONObject
    public var window: DateWindow?
    public var dryRun: Bool
    /// Lower runs first among runs due at the same time (default 0).
    public var priority: Int
    /// The named queue (default `default`).
    public var queue: String
    /// While a run with this key is queued or running, enqueueing returns that run instead.
    public var uniqueKey: String?

    /// Describes a run of `job`.
    public init(
        id: UUID = .version7(), job: String, trigger: RunTrigger = .manual, triggeredBy: String? = nil, maxAttempts: Int = 1,
        runAfter: Date? = nil, params: JSONObject = [:], window: DateWindow? = nil, dryRun: Bool = false,
        priority: Int = 0, queue: String = NewRun.defaultQueue, uniqueKey: String? = nil
    ) {
        self.priority = priority
        self.queue = queue
        self.uniqueKey = uniqueKey
        self.id = id
        self.job = job
        self.trigger = trigger
        self.triggeredBy = triggeredBy
        self.maxAttempts = maxAttempts
        self.runAfter = runAfter
        self.params = params
        self.window = window
        self.dryRun = dryRun
    }
}

/// A fire of a job's schedule for the store to record, under the unique key (job, scheduledFor).
public struct ScheduledFire: Equatable, Sendable {
    public var job: String
    public var scheduledFor: Date
    public var maxAttempts: Int
    public var overlap: OverlapPolicy
    public var queue: String
    /// Set for a fire that will not run (dropped by the catch-up policy or the starting
    /// deadline): it is recorded as `skipped` with this reason and counted as missed.
    public var missedReason: String?
    /// How many missed fires this record stands for: itself, and older ones that are counted
    /// but not recorded one by one.
    public var missedCount = 1

    /// Why a fire under `overlap: forbid` that found an active run was skipped, as its run says.
    public static let overlapSkipReason = "skipped: the previous run is still active (overlap: forbid)"

    /// Describes the fire of `job` at `scheduledFor`.
    public init(
        job: String, scheduledFor: Date, maxAttempts: Int, overlap: OverlapPolicy, queue: String = NewRun.defaultQueue
    ) {
        self.queue = queue
        self.job = job
        self.scheduledFor = scheduledFor
        self.maxAttempts = maxAttempts
        self.overlap = overlap
    }
}

/// What became of a ``ScheduledFire``.
public enum FireOutcome: String, Equatable, Sendable {
    /// A queued run was created.
    case queued
    /// The overlap policy recorded it as skipped.
    case skipped
    /// A run for that fire already existed (another instance, or a restart, got there first).
    case duplicate
}

extension NewRun {
    /// Describes a run of `job` whose params are `params` encoded as a JSON object; throws
    /// ``JSONObjectEncodingError`` when they do not encode to an object.
    public init(
        job: String, params: some Encodable, runAt: Date? = nil, priority: Int = 0, queue: String = NewRun.defaultQueue,
        uniqueKey: String? = nil, maxAttempts: Int = 1
    ) throws {
        self.init(
            job: job, trigger: .manual, maxAttempts: maxAttempts, runAfter: runAt, params: try JSONObject(encoding: params),
            priority: priority, queue: queue, uniqueKey: uniqueKey)
    }
}
