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

    /// Creates a job state value.
    public init(
        name: String, enabled: Bool = true, paused: Bool = false, schedule: String? = nil, description: String = "",
        consecutiveErrors: Int = 0, lastSuccessAt: Date? = nil, lastFailureAt: Date? = nil, lastError: String? = nil,
        watermark: Date? = nil
    ) {
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
