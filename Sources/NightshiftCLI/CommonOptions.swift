import ArgumentParser
import Foundation
import Logging
import Nightshift
import NightshiftConfig
import NightshiftJobKinds
import NightshiftSQL

/// Options every command takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "The config file (default: $NIGHTSHIFT_CONFIG, else ./nightshift.yml).")
    var config: String?

    @Flag(name: .long, help: "Print JSON, as the HTTP API does.")
    var json = false

    @Flag(name: .long, help: "Log debug detail to standard error.")
    var verbose = false

    @Flag(name: .long, help: "Print times in UTC, not in each job's time zone.")
    var utc = false

    /// How this command prints times.
    var times: LocalTime { LocalTime(utc: utc) }

    var configPath: String {
        config ?? ProcessInfo.processInfo.environment["NIGHTSHIFT_CONFIG"] ?? "./nightshift.yml"
    }

    /// A logger to standard error at `--verbose` (debug), else `NIGHTSHIFT_LOG_LEVEL`, else the
    /// config's `logging.level`, else `defaultLevel`; lines of text, or JSON objects with
    /// `NIGHTSHIFT_LOG_FORMAT=json` or the config's `logging.format: json`.
    ///
    /// The config is read here only for its `logging:` section: a config that does not load
    /// leaves the defaults, and the command reports its error when it loads it.
    func logger(defaultLevel: Logger.Level = .warning) throws -> Logger {
        let environment = ProcessInfo.processInfo.environment
        let file = (try? NightshiftConfiguration.load(path: configPath))?.logging ?? LoggingSettings()
        var format = file.format ?? .text
        if let text = environment["NIGHTSHIFT_LOG_FORMAT"] {
            guard let chosen = LoggingSettings.Format(rawValue: text) else {
                throw ValidationError("NIGHTSHIFT_LOG_FORMAT=\(text): expected text or json")
            }
            format = chosen
        }
        var logger = Logger(label: "nightshift") { label -> any LogHandler in
            format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
        }
        let configured = environment["NIGHTSHIFT_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = verbose ? .debug : configured ?? file.level ?? defaultLevel
        return logger
    }

    /// The validated config and its jobs; config errors become exit status 2. `checkingTokens`
    /// also requires the API tokens' variables, as `serve` does (`check`).
    func loadApp(logger: Logger, checkingTokens: Bool = false, withoutEnvironment: Bool = false) throws -> LoadedApp {
        let configuration = try NightshiftConfiguration.load(
            path: configPath, checkingTokens: checkingTokens, withoutEnvironment: withoutEnvironment)
        let registry = DatabaseRegistry(urls: configuration.databases, redisURLs: configuration.redis, logger: logger)
        let jobs = try configuration.jobs.map { try $0.makeJob(registry: registry) }
        return LoadedApp(configuration: configuration, jobs: jobs, registry: registry)
    }
}

/// The config with its jobs built, and the databases they use.
struct LoadedApp {
    let configuration: NightshiftConfiguration
    let jobs: [Job]
    let registry: DatabaseRegistry

    /// Opens the store, migrates it (or, for commands that only read, checks that it is
    /// migrated), runs `body`, and closes everything after.
    func withStore<R>(logger: Logger, migrating: Bool = true, _ body: (SQLJobStore) async throws -> R) async throws -> R {
        do {
            let result = try await SQLJobStore.withStore(configuration.store, logger: logger, migrating: migrating, body)
            await registry.closeAll()
            return result
        } catch {
            await registry.closeAll()
            throw error
        }
    }

    /// The engine's settings: the config's `engine:` section with the `NIGHTSHIFT_*_SECONDS`
    /// overrides (checked when the config was read: a malformed or out-of-range one is an error
    /// naming it, exit 2, never ignored), its queues, retention, listening and alerts.
    func engineConfiguration() -> EngineConfiguration {
        var engine = EngineConfiguration(schedulingEnabled: configuration.schedulingEnabled)
        configuration.engine.apply(to: &engine)
        engine.queueConcurrency = configuration.queues
        engine.listenForNewRuns = configuration.storeListen
        engine.retention = HistoryRetention(defaultRule: configuration.history)
        engine.alerts = AlertSettings(
            channels: configuration.alerts.channels, routes: configuration.alerts.routes,
            checkInterval: configuration.alerts.checkInterval, backlogAges: configuration.queueBacklogAges,
            publicURL: configuration.server.publicURL)
        return engine
    }

    /// A check per `databases:` and `redis:` entry, named `database NAME` and `redis NAME`, that
    /// throws when it does not answer: a statement through its pool, a `PING`.
    func dependencyChecks() -> [String: @Sendable () async throws -> Void] {
        var checks: [String: @Sendable () async throws -> Void] = [:]
        for name in configuration.databases.keys {
            checks["database \(name)"] = { [registry] in
                _ = try await registry.pool(named: name).withDatabase { try await $0.raw("SELECT 1 AS one").all() }
            }
        }
        for name in configuration.redis.keys {
            checks["redis \(name)"] = { [registry] in _ = try await registry.redis(named: name).send(["PING"]) }
        }
        return checks
    }

    func job(named name: String) throws -> Job {
        guard let job = jobs.first(where: { $0.name == name }) else {
            throw ValidationError("no job named '\(name)' in the config (jobs: \(jobs.map(\.name).joined(separator: ", ")))")
        }
        return job
    }
}

/// Writes `value` as pretty JSON to standard output.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
