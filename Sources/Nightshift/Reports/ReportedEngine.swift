/// What a report on jobs' health needs to know of the engines that run them: whether they
/// schedule, and how old a heartbeat may get. One value, made from the engine's configuration,
/// for the status command, the API and the dashboard alike.
public struct ReportedEngine: Sendable, Equatable {
    /// Whether scheduling is on (`NIGHTSHIFT_ENABLED`).
    public var schedulingEnabled: Bool
    /// How old a heartbeat may be before a run counts as `DEAD`; the scheduler's lease.
    public var heartbeatTimeout: Duration

    /// What the documented engine defaults report.
    public init(schedulingEnabled: Bool = true, heartbeatTimeout: Duration = .seconds(30)) {
        self.schedulingEnabled = schedulingEnabled
        self.heartbeatTimeout = heartbeatTimeout
    }

    /// What an engine with `configuration` reports.
    public init(_ configuration: EngineConfiguration) {
        self.init(schedulingEnabled: configuration.schedulingEnabled, heartbeatTimeout: configuration.leaseDuration)
    }
}
