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
    /// Whether to LISTEN for new runs (`store_listen: false` behind a transaction-mode pooler).
    public let storeListen: Bool
    /// The `engine:` section, with the `NIGHTSHIFT_*_SECONDS` overrides applied.
    public let engine: EngineSettings
    /// The `logging:` section (format and level), before the environment's overrides.
    public let logging: LoggingSettings

    /// Reads and validates the file at `path`; throws ``ConfigError`` naming file, line and key.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigError) -> NightshiftConfiguration
    {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, key: "", reason: "cannot read the config file (does it exist?)")
        }
        return try parse(yaml: String(decoding: data, as: UTF8.self), file: path, environment: environment)
    }

    /// Validates YAML text; `file` is only used in messages.
    public static func parse(yaml: String, file: String, environment: [String: String]) throws(ConfigError)
        -> NightshiftConfiguration
    {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                throw ConfigError(file: file, line: nil, key: "", reason: "the file is empty; it needs at least 'jobs:'")
            }
            root = composed
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw ConfigError(file: file, line: Self.line(of: error), key: "", reason: "not valid YAML: \(error)")
        } catch {
            throw ConfigError(file: file, line: nil, key: "", reason: "not valid YAML: \(error)")
        }
        return try NightshiftConfiguration(root: ConfigNode(node: root, file: file, key: "", environment: environment))
    }

    private init(root: ConfigNode) throws(ConfigError) {
        let values = try ConfigFields(root)
        store =
            try values["store"].map { node throws(ConfigError) in try DatabaseEntry.url(node) }
            ?? ConfigNode.resolvingSQLitePath(
                root.environment["NIGHTSHIFT_STORE"] ?? "sqlite:./nightshift.db", against: root.file)
        if let zoneNode = values["timezone"] {
            let identifier = try zoneNode.string()
            guard let zone = TimeZone(identifier: identifier) else {
                throw zoneNode.error("unknown time zone '\(identifier)'; use an IANA name such as Europe/Berlin")
            }
            timeZone = zone
        } else {
            timeZone = TimeZone(identifier: "UTC")!
        }
        var databases: [String: String] = [:]
        for (name, node) in try values["databases"]?.mapping() ?? [] { databases[name] = try DatabaseEntry.url(node) }
        self.databases = databases
        redis = try values["redis"]?.stringMap() ?? [:]
        server = try values["server"].map { node throws(ConfigError) in try ServerSettings(node: node) } ?? ServerSettings()
        history =
            try values["history"].map { node throws(ConfigError) in try JobDefinition.retentionRule(node) }
            ?? HistoryRetention.Rule()
        var queues: [String: Int] = [:]
        for (name, node) in try values["queues"]?.mapping() ?? [] {
            let queue = try ConfigFields(node)
            queues[name] = try queue["concurrency"]?.int(in: 1...10_000)
            try queue.finish()
        }
        self.queues = queues
        storeListen = try values["store_listen"]?.bool() ?? true
        engine = try EngineSettings(node: values["engine"], environment: root.environment)
        logging = try LoggingSettings(node: values["logging"])
        guard let jobsNode = values["jobs"] else { throw root.error("missing 'jobs:'") }
        var jobs: [JobDefinition] = []
        for (name, node) in try jobsNode.mapping() {
            jobs.append(
                try JobDefinition(
                    name: name, node: node, defaultTimeZone: timeZone, databases: Set(databases.keys), redis: Set(redis.keys)))
        }
        self.jobs = jobs
        try values.finish()
        let enabledFlag = root.environment["NIGHTSHIFT_ENABLED"]?.lowercased()
        schedulingEnabled = !["false", "0", "no", "off"].contains(enabledFlag ?? "true")
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }
}
