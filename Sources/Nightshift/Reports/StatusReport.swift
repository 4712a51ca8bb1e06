import Foundation

/// `{running, enabled, jobs: [...]}`: what `/api/jobs/status`, `nightshift status --json` and
/// `nightshift jobs --json` print.
public struct StatusReport: Codable, Equatable, Sendable {
    /// One job's line.
    public struct JobStatus: Codable, Equatable, Sendable {
        public var name: String
        public var kind: String
        public var schedule: String?
        public var timezone: String
        public var description: String
        public var enabled: Bool
        public var paused: Bool
        public var nextRunAt: String?
        public var health: JobHealth
        public var consecutiveErrors: Int
        public var lastError: String?
        public var lastRun: RunReport?
    }

    /// Whether a scheduler leader is alive.
    public var running: Bool
    /// False when scheduling is switched off (`NIGHTSHIFT_ENABLED=false`).
    public var enabled: Bool
    public var jobs: [JobStatus]
    /// When a scheduler last held the lease (its expiry); nil when none ever did.
    public var schedulerSeenAt: String?
    /// True when jobs are scheduled but no scheduler has held the lease for more than two lease
    /// periods (or ever): their fires are not being run.
    public var noLeader: Bool

    /// Whether any job is `FAILING`, `STUCK`, `DEAD` or `OVERDUE`, or no scheduler leads.
    public var isAlarming: Bool { noLeader || jobs.contains { $0.health.isAlarming } }

    /// Builds the report from the store's rows for `jobs`, run by `engine`.
    public static func make(jobs: [Job], store: any HistoryStore & AlertStore & StoreClock, engine: ReportedEngine) async throws
        -> StatusReport
    {
        let (schedulingEnabled, heartbeatTimeout) = (engine.schedulingEnabled, engine.heartbeatTimeout)
        let now = try await store.databaseNow()
        let states = Dictionary(try await store.jobStates().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let running = try await store.runningSummaries()
        let lastFinished = try await store.lastFinishedRuns(of: jobs.map(\.name))
        let leading = try await store.leaseHolder(Scheduler.leaseName) != nil
        let lease = try await store.lease(Scheduler.leaseName)
        let scheduled = schedulingEnabled && jobs.contains { $0.schedule != nil && $0.enabled }
        let leaderless = lease.map { now.timeIntervalSince($0.expiresAt) > 2 * heartbeatTimeout.inSeconds } ?? true
        let reports = jobs.map { job -> JobStatus in
            let state = states[job.name] ?? JobState(name: job.name, enabled: job.enabled)
            let health = JobHealth.derive(
                state: state, enabled: job.enabled && schedulingEnabledForHealth(job, schedulingEnabled), policies: job.policies,
                running: running[job.name], lastFinished: lastFinished[job.name],
                heartbeatTimeout: heartbeatTimeout, now: now)
            return JobStatus(
                name: job.name, kind: job.kind, schedule: job.schedule?.description,
                timezone: job.timeZone.ianaName, description: job.description, enabled: job.enabled,
                paused: state.paused,
                nextRunAt: schedulingEnabled && job.enabled && !state.paused
                    ? job.schedule?.nextFire(after: now).map(ISO8601Format.string(from:)) : nil,
                health: health, consecutiveErrors: state.consecutiveErrors, lastError: state.lastError,
                lastRun: lastFinished[job.name].map { RunReport($0) })
        }
        return StatusReport(
            running: leading, enabled: schedulingEnabled, jobs: reports,
            schedulerSeenAt: lease.map { ISO8601Format.string(from: min($0.expiresAt, now)) },
            noLeader: scheduled && !leading && leaderless)
    }

    /// A job is shown as DISABLED when it has a schedule that is not followed; an unscheduled
    /// job only runs on demand, which a global switch does not change.
    private static func schedulingEnabledForHealth(_ job: Job, _ schedulingEnabled: Bool) -> Bool {
        schedulingEnabled || job.schedule == nil
    }
}
