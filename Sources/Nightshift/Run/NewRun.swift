import Foundation

/// A run to be created by a manual trigger, the API, a retry or a backfill.
public struct NewRun: Sendable {
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

    /// Describes a run of `job`.
    public init(
        id: UUID = UUID(), job: String, trigger: RunTrigger, triggeredBy: String? = nil, maxAttempts: Int = 1,
        runAfter: Date? = nil, params: JSONObject = [:], window: DateWindow? = nil, dryRun: Bool = false
    ) {
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

    /// Describes the fire of `job` at `scheduledFor`.
    public init(job: String, scheduledFor: Date, maxAttempts: Int, overlap: OverlapPolicy) {
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
