import Foundation
import Nightshift
import NightshiftMaintenance

/// One job of the config file, validated: everything needed to build its ``Job``.
public struct JobDefinition: Sendable {
    /// What the job does.
    public enum Kind: Sendable {
        /// One SQL statement against a named database.
        case sql(SQLStatementJob)
        /// A program.
        case command(CommandJob)
        /// Chunked deletion of old rows.
        case purge(PurgeJob)
        /// Chunked deletion of expired rows.
        case expire(ExpireJob)
        /// Aggregation into hourly, daily, weekly and monthly tables.
        case rollup(RollupJob)
        /// Redis counters into a table.
        case counterFlush(CounterFlushJob)

        var name: String {
            switch self {
            case .sql: return "sql"
            case .command: return "command"
            case .purge: return "purge"
            case .expire: return "expire"
            case .rollup: return "rollup"
            case .counterFlush: return "counter-flush"
            }
        }
    }

    public let name: String
    public let kind: Kind
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
        case .purge(let purge): body = purge.body(registry: registry)
        case .expire(let expire): body = expire.body(registry: registry)
        case .rollup(let rollup): body = rollup.body(registry: registry)
        case .counterFlush(let flush): body = flush.body(registry: registry)
        }
        return try Job(
            name: name, schedule: schedule, timeZone: timeZone, description: description, enabled: enabled, kind: kind.name,
            policies: policies, body: body)
    }

    static let commonKeys: Set<String> = [
        "kind", "schedule", "description", "enabled", "timezone", "timeout", "retries", "overlap", "catch_up",
        "starting_deadline", "alert_after_failures", "concurrency", "queue", "history",
    ]
    static let kindKeys: [String: Set<String>] = [
        "sql": ["database", "sql", "batch_size", "batch_key", "table"],
        "command": ["command", "env", "inherit_env", "working_dir"],
        "purge": ["database", "table", "timestamp_column", "older_than", "where", "batch_size", "archive", "tables"],
        "expire": ["database", "table", "expires_at_column", "where", "batch_size"],
        "rollup": ["database", "source", "timestamp_column", "group_by", "granularities", "target", "measures", "late_data"],
        "counter-flush": ["database", "redis", "keys", "hash_field", "table", "columns", "total", "batch_size"],
    ]

    init(name: String, node: ConfigNode, defaultTimeZone: TimeZone, databases: Set<String>, redis: Set<String>)
        throws(ConfigError)
    {
        self.name = name
        let entries = try node.mapping()
        let values = Dictionary(entries.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let kindNode = values["kind"] else {
            throw node.error("missing 'kind' (one of \(Self.kindKeys.keys.sorted().joined(separator: ", ")))")
        }
        let kindName = try kindNode.string()
        guard let specific = Self.kindKeys[kindName] else {
            throw kindNode.error(
                "unknown kind '\(kindName)'; expected one of \(Self.kindKeys.keys.sorted().joined(separator: ", "))")
        }
        _ = try node.mapping(allowed: Self.commonKeys.union(specific))

        var timeZone = defaultTimeZone
        if let zoneNode = values["timezone"] {
            let identifier = try zoneNode.string()
            guard let zone = TimeZone(identifier: identifier) else {
                throw zoneNode.error("unknown time zone '\(identifier)'; use an IANA name such as Europe/Berlin")
            }
            timeZone = zone
        }
        self.timeZone = timeZone
        if let scheduleNode = values["schedule"] {
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
        description = try values["description"]?.string() ?? ""
        enabled = try values["enabled"]?.bool() ?? true
        policies = try Self.policies(values)
        kind = try Self.kind(kindName, values: values, node: node, databases: databases, redis: redis, timeZone: timeZone)
        do {
            _ = try Job(name: name, body: { _ in [:] })
        } catch {
            throw node.error(error.reason)
        }
    }

    private static func policies(_ values: [String: ConfigNode]) throws(ConfigError) -> JobPolicies {
        var policies = JobPolicies()
        policies.timeout = try values["timeout"]?.duration()
        if let retries = values["retries"] {
            let entries = Dictionary(
                try retries.mapping(allowed: ["max_attempts", "backoff", "max_backoff"]).map { ($0.name, $0.value) },
                uniquingKeysWith: { first, _ in first })
            policies.retry = RetryPolicy(
                maxAttempts: try entries["max_attempts"]?.int(in: 1...1000) ?? 1,
                backoffBase: try entries["backoff"]?.duration() ?? 10,
                backoffMaximum: try entries["max_backoff"]?.duration() ?? 3600)
        }
        policies.overlap = try values["overlap"]?.choice(OverlapPolicy.self) ?? .forbid
        policies.catchUp = try values["catch_up"]?.choice(CatchUpPolicy.self) ?? .latest
        policies.startingDeadline = try values["starting_deadline"]?.duration()
        policies.alertAfterFailures = try values["alert_after_failures"]?.int(in: 1...1_000_000) ?? 3
        policies.concurrency = try values["concurrency"]?.int(in: 1...10_000)
        policies.queue = try values["queue"]?.string() ?? NewRun.defaultQueue
        policies.history = try values["history"].map { node throws(ConfigError) in try Self.retentionRule(node) }
        return policies
    }

    /// `{keep: 30d, keep_failed: 90d}`; either key may be left out for its default.
    static func retentionRule(_ node: ConfigNode) throws(ConfigError) -> HistoryRetention.Rule {
        var rule = HistoryRetention.Rule()
        for (name, value) in try node.mapping(allowed: ["keep", "keep_failed"]) {
            if name == "keep" { rule.keep = try value.duration() } else { rule.keepFailed = try value.duration() }
        }
        return rule
    }

    private static func kind(
        _ name: String, values: [String: ConfigNode], node: ConfigNode, databases: Set<String>, redis: Set<String>,
        timeZone: TimeZone
    ) throws(ConfigError) -> Kind {
        func required(_ key: String) throws(ConfigError) -> ConfigNode {
            guard let value = values[key] else { throw node.error("a \(name) job needs '\(key)'") }
            return value
        }
        func database() throws(ConfigError) -> String {
            let databaseNode = try required("database")
            let database = try databaseNode.string()
            guard databases.contains(database) else {
                throw databaseNode.error(
                    "no database named '\(database)' under databases: (known: \(databases.isEmpty ? "none" : databases.sorted().joined(separator: ", ")))"
                )
            }
            return database
        }
        switch name {
        case "sql":
            let database = try database()
            let sql = try required("sql").string().trimmingCharacters(in: .whitespacesAndNewlines)
            guard !sql.isEmpty else { throw values["sql"]!.error("is empty") }
            guard let sizeNode = values["batch_size"] else {
                if let extra = values["batch_key"] ?? values["table"] { throw extra.error("only used with batch_size") }
                return .sql(SQLStatementJob(database: database, sql: sql))
            }
            guard sql.contains(SQLStatementJob.batchPlaceholder) else {
                throw values["sql"]!.error("a batched statement needs {batch} in its WHERE, where each batch's key range goes")
            }
            let batching = SQLStatementJob.Batching(
                table: try required("table").sqlName(qualified: true), key: try required("batch_key").sqlName().text,
                size: try sizeNode.int(in: 1...10_000_000))
            return .sql(SQLStatementJob(database: database, sql: sql, batching: batching))
        case "purge":
            return .purge(try PurgeSettings.job(values: values, node: node, database: try database()))
        case "rollup":
            return .rollup(try RollupSettings.job(values: values, node: node, database: try database(), timeZone: timeZone))
        case "counter-flush":
            let redisNode = try required("redis")
            let server = try redisNode.string()
            guard redis.contains(server) else {
                throw redisNode.error(
                    "no Redis server named '\(server)' under redis: (known: \(redis.isEmpty ? "none" : redis.sorted().joined(separator: ", ")))"
                )
            }
            return .counterFlush(
                try CounterFlushSettings.job(
                    values: values, node: node, database: try database(), redis: server, timeZone: timeZone))
        case "expire":
            return .expire(
                ExpireJob(
                    database: try database(), table: try required("table").sqlName(qualified: true),
                    expiresAtColumn: try required("expires_at_column").sqlName().text, filter: try values["where"]?.string(),
                    batchSize: try values["batch_size"]?.int(in: 1...1_000_000) ?? 10_000))
        default:
            let commandNode = try required("command")
            let command: [String]
            if commandNode.node.sequence != nil {
                command = try commandNode.sequence().map { node throws(ConfigError) in try node.string() }
            } else {
                command = try commandNode.string().split(separator: " ").map(String.init)
            }
            guard let program = command.first, !program.isEmpty else { throw commandNode.error("names no program") }
            return .command(
                CommandJob(
                    command: command, environment: try values["env"]?.stringMap() ?? [:],
                    inheritedEnvironment: try values["inherit_env"]?.sequence().map { node throws(ConfigError) in
                        try node.string()
                    } ?? [],
                    workingDirectory: try values["working_dir"]?.string()))
        }
    }
}
