import Foundation
import Nightshift
import NightshiftJobKinds

/// One job of the config file, validated: everything needed to build its ``Job``.
public struct JobDefinition: Sendable {
    /// What the job does.
    public enum Kind: Sendable {
        /// One SQL statement against a named database.
        case sql(SQLStatementJob)
        /// A program.
        case command(CommandJob)
        /// A call to an HTTP endpoint.
        case http(HTTPJob)
        /// Chunked deletion of old rows.
        case purge(PurgeJob)
        /// Chunked deletion of expired rows.
        case expire(ExpireJob)
        /// Aggregation into hourly, daily, weekly and monthly tables.
        case rollup(RollupJob)
        /// Redis counters into a table.
        case counterFlush(CounterFlushJob)
    }

    public let name: String
    public let kind: Kind
    /// The `kind:` value as written.
    public let kindName: String
    public let schedule: Schedule?
    public let timeZone: TimeZone
    public let description: String
    public let enabled: Bool
    public let policies: JobPolicies

    /// The job, with `registry` providing the databases that `sql` jobs name.
    public func makeJob(registry: DatabaseRegistry) throws -> Job {
        let body: Job.Body
        switch kind {
        case .sql(let statement): body = statement.body(registry: registry, statementTimeout: policies.timeout)
        case .command(let command): body = command.body
        case .http(let http): body = http.body
        case .purge(let purge): body = purge.body(registry: registry)
        case .expire(let expire): body = expire.body(registry: registry)
        case .rollup(let rollup): body = rollup.body(registry: registry)
        case .counterFlush(let flush): body = flush.body(registry: registry)
        }
        var job = try Job(
            name: name, schedule: schedule, timeZone: timeZone, description: description, enabled: enabled, kind: kindName,
            policies: policies, body: body)
        job.takesWindow = takesWindow
        return job
    }

    /// Whether a run's date or range reaches the work: `sql`, `purge` and `expire` never read
    /// one, and an `http` job only when its body names `{{window.from}}` or `{{window.to}}`.
    public var takesWindow: Bool {
        switch kind {
        case .sql, .purge, .expire: false
        case .http(let http): http.requestBody?.readsWindow ?? false
        case .command, .rollup, .counterFlush: true
        }
    }

    init(name: String, node: ConfigNode, defaultTimeZone: TimeZone, databases: Set<String>, redis: Set<String>)
        throws(ConfigError)
    {
        self.name = name
        let fields = try ConfigFields(node)
        let kindNode = try fields.required("kind", "missing 'kind' (one of \(JobKind.names))")
        kindName = try kindNode.string()
        guard let kind = JobKind.named(kindName) else {
            throw kindNode.error("unknown kind '\(kindName)'; expected one of \(JobKind.names)")
        }
        var timeZone = defaultTimeZone
        if let zoneNode = fields["timezone"] {
            let identifier = try zoneNode.string()
            guard let zone = TimeZone(identifier: identifier) else {
                throw zoneNode.error("unknown time zone '\(identifier)'; use an IANA name such as Europe/Berlin")
            }
            timeZone = zone
        }
        self.timeZone = timeZone
        if let scheduleNode = fields["schedule"] {
            do {
                schedule = try Schedule(try scheduleNode.string(), timeZone: timeZone)
            } catch let error as CronError {
                throw scheduleNode.error(error.description)
            } catch let error as ConfigError {
                throw error
            } catch {
                throw scheduleNode.error("\(error)")
            }
        } else {
            schedule = nil
        }
        description = try fields["description"]?.string() ?? ""
        enabled = try fields["enabled"]?.bool() ?? true
        var policies = try Self.policies(fields)
        self.kind = try kind.read(fields, JobKind.Context(job: name, databases: databases, redis: redis, timeZone: timeZone))
        // Without one, an http job waited up to a day for an answer that never came.
        if case .http = self.kind, policies.timeout == nil { policies.timeout = HTTPJob.defaultTimeout }
        self.policies = policies
        try fields.finish()
        do {
            _ = try Job(name: name, body: { _ in [:] })
        } catch {
            throw node.error(error.reason)
        }
    }

    private static func policies(_ fields: ConfigFields) throws(ConfigError) -> JobPolicies {
        var policies = JobPolicies()
        policies.timeout = try fields["timeout"]?.duration()
        if let retries = fields["retries"] {
            guard retries.node.mapping != nil else {
                let example = (try? retries.string()).flatMap(Int.init).map {
                    " (\($0) retries after the first attempt: { max_attempts: \($0 + 1) })"
                }
                throw retries.error(
                    "expected a mapping such as { max_attempts: 3, backoff: 30s, max_backoff: 1h }\(example ?? "")")
            }
            let retry = try ConfigFields(retries)
            policies.retry = RetryPolicy(
                maxAttempts: try retry["max_attempts"]?.int(in: 1...1000) ?? 1,
                backoffBase: try retry["backoff"]?.duration() ?? .seconds(10),
                backoffMaximum: try retry["max_backoff"]?.duration() ?? .seconds(3600))
            try retry.finish()
        }
        policies.overlap = try fields["overlap"]?.choice(OverlapPolicy.self) ?? .forbid
        policies.catchUp = try fields["catch_up"]?.choice(CatchUpPolicy.self) ?? .latest
        policies.startingDeadline = try fields["starting_deadline"]?.duration()
        policies.alertAfterFailures = try fields["alert_after_failures"]?.int(in: 1...1_000_000) ?? 3
        policies.expectSuccessWithin = try fields["expect_success_within"]?.duration(in: 1...(366 * 86_400))
        policies.concurrency = try fields["concurrency"]?.int(in: 1...10_000)
        policies.queue = try fields["queue"]?.string() ?? NewRun.defaultQueue
        policies.history = try fields["history"].map { node throws(ConfigError) in try Self.retentionRule(node) }
        return policies
    }

    /// `{keep: 30d, keep_failed: 90d}`; either key may be left out for its default.
    static func retentionRule(_ node: ConfigNode) throws(ConfigError) -> HistoryRetention.Rule {
        let fields = try ConfigFields(node)
        var rule = HistoryRetention.Rule()
        rule.keep = try fields["keep"]?.duration() ?? rule.keep
        rule.keepFailed = try fields["keep_failed"]?.duration() ?? rule.keepFailed
        try fields.finish()
        return rule
    }
}
