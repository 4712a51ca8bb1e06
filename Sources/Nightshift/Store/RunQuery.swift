import Foundation

/// Which runs to list, newest first.
public struct RunQuery: Sendable {
    public var job: String?
    /// Only runs in this status; `failed` also finds `discarded` runs (failures whose retries
    /// ran out), since a person asking for the failed runs means both (``statuses``).
    public var status: RunStatus?
    /// Only runs with this trigger.
    public var trigger: RunTrigger?
    /// Only runs in this queue.
    public var queue: String?
    /// Only runs created at or after this time.
    public var since: Date?
    /// Only runs created before this time.
    public var until: Date?
    public var limit: Int
    /// Cursor: only runs created before this run (exclusive).
    public var before: UUID?
    /// Only runs whose id starts with this (lower-case hex digits and dashes; ``RunLookup``).
    public var idPrefix: String?
    /// Only runs with a param whose value is this text (or, as text, this number or boolean).
    public var paramValue: String?

    /// A query for up to `limit` runs, optionally of one job and one status.
    public init(
        job: String? = nil, status: RunStatus? = nil, trigger: RunTrigger? = nil, queue: String? = nil, limit: Int = 50,
        before: UUID? = nil
    ) {
        self.trigger = trigger
        self.queue = queue
        self.job = job
        self.status = status
        self.limit = limit
        self.before = before
    }
}

extension RunQuery {
    /// The statuses ``status`` finds; nil for every status.
    public var statuses: Set<RunStatus>? { status.map(RunStatus.found(by:)) }

    /// The pieces of a run's params as JSON text (compact, as stored) that show a param holding
    /// `value`: `:"value"` for text, and `:value,` or `:value}` for a number or boolean typed so.
    public static func paramValueFragments(_ value: String) -> [String] {
        [":" + JSONValue.string(value).jsonText, ":" + value + ",", ":" + value + "}"]
    }
}
