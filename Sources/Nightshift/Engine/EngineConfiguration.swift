import Foundation

/// The knobs of one engine instance. Defaults suit production; tests shorten the intervals.
public struct EngineConfiguration: Sendable {
    /// This instance's name in `worker` columns and the lease: `host:pid:random`.
    public var instanceID: String
    /// Runs this instance executes at once, across all jobs.
    public var concurrency: Int
    /// The most claimed runs this instance holds beyond its ``concurrency`` slots, in a local
    /// buffer: one claim then serves many slots, and a slot whose run ends starts the next
    /// without a round trip. The buffer holds about 100 ms of work at the recent completion
    /// rate, so slow jobs are not prefetched at all and wait in the database for whichever
    /// instance is free. Buffered runs show as `running` (started when claimed), heartbeat with
    /// the rest, and go back to the queue at shutdown. 0 claims only for free slots; the
    /// default is 1,000. Jobs with a per-job concurrency limit turn it off for the instance.
    public var prefetch = 1000
    /// How often idle workers look for runnable runs.
    public var pollInterval: Duration
    /// How long a scheduler lease lasts without renewal; also how old a heartbeat may get before
    /// the run is rescued as orphaned.
    public var leaseDuration: Duration
    /// How long running jobs get to finish after SIGTERM before they are cancelled.
    public var shutdownGracePeriod: Duration
    /// False when `NIGHTSHIFT_ENABLED=false`: no fires are materialized; queued and manual runs
    /// still execute.
    public var schedulingEnabled: Bool
    /// Where run counts, durations, lag and leadership are reported.
    public var metrics: EngineMetrics
    /// The most runs of a named queue this instance executes at once; queues not listed share
    /// ``concurrency``.
    public var queueConcurrency: [String: Int] = [:]
    /// How long finished runs are kept; the leader prunes older ones every ``pruneInterval``.
    public var retention = HistoryRetention()
    /// The time between two prunes.
    public var pruneInterval = HistoryPruning.Configuration.defaultInterval
    /// Whether to wait for new-run announcements (PostgreSQL LISTEN) besides polling. Turn it
    /// off behind a transaction-mode pooler (PgBouncer), which drops LISTEN silently.
    public var listenForNewRuns = true
    /// Where the engine reads the time and waits; tests pass a manual clock.
    public var clock: any EngineClock = SystemClock()
    /// Alert channels, routes and checks (the `alerts:` section); the leader judges conditions
    /// and delivers notifications.
    public var alerts = AlertSettings()

    /// A configuration with the documented defaults.
    public init(
        instanceID: String = EngineConfiguration.defaultInstanceID(), concurrency: Int = 10, pollInterval: Duration = .seconds(1),
        leaseDuration: Duration = .seconds(30), shutdownGracePeriod: Duration = .seconds(30), schedulingEnabled: Bool = true,
        metrics: EngineMetrics = EngineMetrics()
    ) {
        self.metrics = metrics
        self.instanceID = instanceID
        self.concurrency = max(1, concurrency)
        self.pollInterval = pollInterval
        self.leaseDuration = leaseDuration
        self.shutdownGracePeriod = shutdownGracePeriod
        self.schedulingEnabled = schedulingEnabled
    }

    /// How often running runs heartbeat and the leader renews its lease: a third of the lease,
    /// so two renewals may fail before it lapses.
    public var heartbeatInterval: Duration { leaseDuration / 3 }

    /// `host:pid:random`, unique per process.
    public static func defaultInstanceID() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8).lowercased())"
    }
}
