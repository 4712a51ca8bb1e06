import Foundation
import Nightshift
import Yams

/// The whole `nightshift.yml`, validated.
///
/// ```swift
/// let config = try NightshiftConfiguration.load(path: "nightshift.yml")
/// ```
public struct NightshiftConfiguration: Sendable {
    /// The store URL: the config's `store`, else `NIGHTSHIFT_STORE`, else `sqlite:./nightshift.db`.
    public let store: String
    /// The default time zone of jobs.
    public let timeZone: TimeZone
    /// Application databases by name, for maintenance jobs.
    public let databases: [String: String]
    /// Redis servers by name, for counter-flush jobs.
    public let redis: [String: String]
    /// The admin server's address.
    public let server: ServerSettings
    /// The jobs, in file order.
    public let jobs: [JobDefinition]
    /// False when `NIGHTSHIFT_ENABLED=false`: nothing is scheduled; manual runs still work.
    public let schedulingEnabled: Bool

    /// How long finished runs are kept, unless a job says otherwise.
    public let history: HistoryRetention.Rule
    /// The concurrency limit of each named queue.
    public let queues: [String: Int]
    /// Per queue, how old its oldest queued run may get before a `backlog` alert
    /// (`queues.<name>.alert_backlog_age`).
    public let queueBacklogAges: [String: Duration]
    /// The `alerts:` section: channels and routes.
    public let alerts: AlertsConfiguration
    /// Whether to LISTEN for new runs (`store_listen: false` behind a transaction-mode pooler).
    public let storeListen: Bool
    /// The `engine:` section, with the `NIGHTSHIFT_*_SECONDS` overrides applied.
    public let engine: EngineSettings
    /// The `logging:` section (format and level), before the environment's overrides.
    public let logging: LoggingSettings
    /// The environment variables the config reads that were unset, when it was read without
    /// its environment (`withoutEnvironment`): the values reading them were not checked.
    public let unsetVariables: [String]

    /// Reads and validates the file at `path`; throws ``ConfigError`` naming file, line and key
    /// of every error found (``ConfigError/more``). `checkingTokens` also requires the token
    /// variables to be set, as `serve` does (`nightshift check`). `withoutEnvironment` reads it
    /// where its variables are not set (CI without production secrets): an unset variable
    /// stands in as `unset-NAME`, the values that read one are not checked, and
    /// ``unsetVariables`` names them.
    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment, checkingTokens: Bool = false,
        withoutEnvironment: Bool = false
    ) throws(ConfigError) -> NightshiftConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, key: "", reason: "cannot read the config file (does it exist?)")
        }
        return try parse(
            yaml: String(decoding: data, as: UTF8.self), file: path, environment: environment, checkingTokens: checkingTokens,
            withoutEnvironment: withoutEnvironment)
    }

    /// Validates YAML text; `file` is only used in messages.
    public static func parse(
        yaml: String, file: String, environment: [String: String], checkingTokens: Bool = false,
        withoutEnvironment: Bool = false
    ) throws(ConfigError) -> NightshiftConfiguration {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                throw ConfigError(
                    file: file, line: nil, key: "", reason: "the file is empty; it needs at least 'store:' or 'jobs:'")
            }
            root = composed
            try ConfigSizeLimit.check(root, file: file)
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw ConfigError(file: file, line: Self.line(of: error), key: "", reason: "not valid YAML: \(error)")
        } catch {
            throw ConfigError(file: file, line: nil, key: "", reason: "not valid YAML: \(error)")
        }
        let unset = withoutEnvironment ? UnsetVariables() : nil
        return try NightshiftConfiguration(
            root: ConfigNode(node: root, file: file, key: "", environment: environment, unset: unset),
            checkingTokens: checkingTokens && !withoutEnvironment)
    }

    /// Reads every section and every job even after an error, so that one pass reports all of
    /// them (``ConfigError/more``). With `checkingTokens` (`nightshift check`), an unset token
    /// variable is one of them too; other commands leave that to `serve`, which needs them.
    private typealias Entries = [(name: String, value: ConfigNode)]

    private init(root: ConfigNode, checkingTokens: Bool) throws(ConfigError) {
        var errors: [ConfigError] = []
        func reading<T>(_ fallback: T, _ body: () throws(ConfigError) -> T) -> T {
            do {
                return try body()
            } catch {
                errors.append(error)
                return fallback
            }
        }
        let values = try ConfigFields(root)
        let defaultStore = ConfigNode.resolvingSQLitePath(
            root.environment["NIGHTSHIFT_STORE"] ?? "sqlite:./nightshift.db", against: root.file)
        store = reading(defaultStore) { () throws(ConfigError) in
            try values["store"].map { node throws(ConfigError) in try DatabaseEntry.url(node) } ?? defaultStore
        }
        timeZone = reading(TimeZone(identifier: "UTC")!) { () throws(ConfigError) in
            guard let zoneNode = values["timezone"] else { return TimeZone(identifier: "UTC")! }
            let identifier = try zoneNode.string()
            guard let zone = TimeZone(identifier: identifier) else {
                throw zoneNode.error("unknown time zone '\(identifier)'; use an IANA name such as Europe/Berlin")
            }
            return zone
        }
        var databases: [String: String] = [:]
        for (name, node) in reading(Entries(), { () throws(ConfigError) -> Entries in try values["databases"]?.mapping() ?? [] })
        {
            databases[name] = reading("") { () throws(ConfigError) in try DatabaseEntry.url(node) }
        }
        self.databases = databases
        var redis: [String: String] = [:]
        for (name, node) in reading(Entries(), { () throws(ConfigError) -> Entries in try values["redis"]?.mapping() ?? [] }) {
            redis[name] = reading("") { () throws(ConfigError) in try DatabaseEntry.redisURL(node) }
        }
        self.redis = redis
        server = reading(ServerSettings()) { () throws(ConfigError) in
            let settings =
                try values["server"].map { node throws(ConfigError) in try ServerSettings(node: node) } ?? ServerSettings()
            if checkingTokens { _ = try settings.resolveTokens(environment: root.environment) }
            // Without the environment, a token's unset variable is one more value not checked.
            for token in settings.tokens where root.environment[token.environmentVariable, default: ""].isEmpty {
                root.unset?.record(token.environmentVariable)
            }
            return settings
        }
        history = reading(HistoryRetention.Rule()) { () throws(ConfigError) in
            try values["history"].map { node throws(ConfigError) in try JobDefinition.retentionRule(node) }
                ?? HistoryRetention.Rule()
        }
        var queues: [String: Int] = [:]
        var backlogAges: [String: Duration] = [:]
        for (name, node) in reading(Entries(), { () throws(ConfigError) -> Entries in try values["queues"]?.mapping() ?? [] }) {
            reading(()) { () throws(ConfigError) in
                let queue = try ConfigFields(node)
                queues[name] = try queue["concurrency"]?.int(in: 1...10_000)
                backlogAges[name] = try queue["alert_backlog_age"]?.duration(in: 1...(30 * 86_400))
                try queue.finish()
            }
        }
        self.queues = queues
        queueBacklogAges = backlogAges
        storeListen = reading(true) { () throws(ConfigError) in try values["store_listen"]?.bool() ?? true }
        engine = reading(EngineSettings()) { () throws(ConfigError) in
            try EngineSettings(node: values["engine"], environment: root.environment)
        }
        logging = reading(LoggingSettings()) { () throws(ConfigError) in try LoggingSettings(node: values["logging"]) }
        var jobs: [JobDefinition] = []
        let jobZone = timeZone
        let databaseNames = Set(databases.keys)
        let redisNames = Set(redis.keys)
        if let jobsNode = values["jobs"] {
            for (name, node) in reading(Entries(), { () throws(ConfigError) -> Entries in try jobsNode.mapping() }) {
                let job = reading(nil) { () throws(ConfigError) -> JobDefinition? in
                    try JobDefinition(
                        name: name, node: node, defaultTimeZone: jobZone, databases: databaseNames, redis: redisNames)
                }
                if let job { jobs.append(job) }
            }
        }
        // No jobs is fine: a config may only point the CLI and the dashboard at the store of an
        // app that runs its jobs itself.
        self.jobs = jobs
        let jobNames = Set(jobs.map(\.name))
        alerts = reading(AlertsConfiguration()) { () throws(ConfigError) in
            try values["alerts"].map { node throws(ConfigError) in try AlertsConfiguration(node: node, jobNames: jobNames) }
                ?? AlertsConfiguration()
        }
        errors += server.unknownJobs(of: Set(jobs.map(\.name)))
        reading(()) { () throws(ConfigError) in try values.finish() }
        let enabledFlag = root.environment["NIGHTSHIFT_ENABLED"]?.lowercased()
        schedulingEnabled = !["false", "0", "no", "off"].contains(enabledFlag ?? "true")
        unsetVariables = root.unset?.all ?? []
        // Values that read an unset variable could not be checked: not an error of the file.
        errors = errors.flatMap(\.all).filter { !$0.readsUnsetVariable }
        // In file order (sections are read in code order); errors without a line first.
        let ordered = errors.enumerated().sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
        if let error = ConfigError.combining(ordered.map(\.element)) { throw error }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }
}
