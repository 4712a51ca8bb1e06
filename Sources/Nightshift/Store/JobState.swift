import Foundation

/// One row of `nightshift_jobs`: the control state the database keeps per job.
public struct JobState: Equatable, Sendable {
    public var name: String
    public var enabled: Bool
    public var paused: Bool
    public var schedule: String?
    public var description: String
    /// Failed runs since the last success.
    public var consecutiveErrors: Int
    public var lastSuccessAt: Date?
    public var lastFailureAt: Date?
    public var lastError: String?
    /// The last fire the scheduler materialized; the next fires are computed from it.
    public var watermark: Date?
    /// When the job was first registered (the start of its `expect_success_within` before it
    /// ever succeeded).
    public var registeredAt: Date?
    /// Fires never run (dropped or skipped) that no `missed` alert accounted for yet.
    public var missedFires: Int
    /// The first of the fires counted in ``missedFires``.
    public var missedFirst: Date?
    /// The last of the fires counted in ``missedFires``.
    public var missedLast: Date?
    /// Why the last missed fire was not run.
    public var missedReason: String?

    /// Creates a job state value.
    public init(
        name: String, enabled: Bool = true, paused: Bool = false, schedule: String? = nil, description: String = "",
        consecutiveErrors: Int = 0, lastSuccessAt: Date? = nil, lastFailureAt: Date? = nil, lastError: String? = nil,
        watermark: Date? = nil, registeredAt: Date? = nil, missedFires: Int = 0, missedFirst: Date? = nil,
        missedLast: Date? = nil, missedReason: String? = nil
    ) {
        self.registeredAt = registeredAt
        self.missedFires = missedFires
        self.missedFirst = missedFirst
        self.missedLast = missedLast
        self.missedReason = missedReason
        self.name = name
        self.enabled = enabled
        self.paused = paused
        self.schedule = schedule
        self.description = description
        self.consecutiveErrors = consecutiveErrors
        self.lastSuccessAt = lastSuccessAt
        self.lastFailureAt = lastFailureAt
        self.lastError = lastError
        self.watermark = watermark
    }
}

/// The fields of a job the configuration owns, written to `nightshift_jobs` at start.
extension JobState {
    /// Counts `count` missed fires, the last at `fire`, for the `missed` alert (what the SQL
    /// stores do in the statement that records a skipped fire).
    package mutating func noteMissed(_ fire: Date, count: Int, reason: String) {
        missedFires += count
        if missedFirst.map({ fire < $0 }) ?? true { missedFirst = fire }
        if missedLast.map({ fire > $0 }) ?? true { missedLast = fire }
        missedReason = reason
    }
}

public struct JobRegistration: Equatable, Sendable {
    public var name: String
    public var enabled: Bool
    public var schedule: String?
    public var description: String

    /// Describes `job` for the store.
    public init(_ job: Job) {
        name = job.name
        enabled = job.enabled
        schedule = job.schedule?.description
        description = job.description
    }
}
