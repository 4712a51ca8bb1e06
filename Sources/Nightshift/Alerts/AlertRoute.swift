/// Which channels hear which events: an entry of `alerts.routes`.
public struct AlertRoute: Equatable, Sendable {
    /// The conditions it takes; nil for all.
    public var events: Set<IncidentCondition>?
    /// The jobs it takes; nil for all (queue and cluster events match only routes without jobs).
    public var jobs: Set<String>?
    /// The channels it sends to.
    public var channels: [String]

    /// A route.
    public init(events: Set<IncidentCondition>? = nil, jobs: Set<String>? = nil, channels: [String]) {
        self.events = events
        self.jobs = jobs
        self.channels = channels
    }

    /// Whether an incident of `condition` about `job` takes this route.
    public func matches(_ condition: IncidentCondition, job: String?) -> Bool {
        if let events, !events.contains(condition) { return false }
        if let jobs {
            guard let job, jobs.contains(job) else { return false }
        }
        return true
    }
}
