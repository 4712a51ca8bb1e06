import Foundation
import NightshiftJobKinds

/// A kind of job the config can declare: its name and how its keys are read. ``all`` is the
/// one list of kinds: the parser, the keys each kind accepts and the error messages come from it.
struct JobKind: Sendable {
    /// What a kind's reader needs besides the job's keys.
    struct Context {
        /// The job's name.
        let job: String
        /// The names under `databases:` and `redis:`.
        let databases: Set<String>
        let redis: Set<String>
        /// The job's time zone.
        let timeZone: TimeZone

        /// The `database` key, which must name an entry of `databases:`.
        func database(_ fields: ConfigFields, kind: String) throws(ConfigError) -> String {
            let node = try fields.required("database", "a \(kind) job needs 'database'")
            let name = try node.string()
            guard databases.contains(name) else {
                throw node.error(
                    "no database named '\(name)' under databases: (known: \(databases.isEmpty ? "none" : databases.sorted().joined(separator: ", ")))"
                )
            }
            return name
        }
    }

    /// The `kind:` value.
    let name: String
    /// Reads the kind's keys.
    let read: @Sendable (ConfigFields, Context) throws(ConfigError) -> JobDefinition.Kind

    /// Every kind, in the order the documentation lists them.
    static let all: [JobKind] = [command, http, sql, purge, expire, rollup, counterFlush]

    static let http = JobKind(name: "http") { fields, _ throws(ConfigError) in .http(try HTTPSettings.job(fields)) }

    /// The kind named `name`.
    static func named(_ name: String) -> JobKind? { all.first { $0.name == name } }

    /// The kinds' names, for messages.
    static var names: String { all.map(\.name).joined(separator: ", ") }

    static let command = JobKind(name: "command") { fields, _ throws(ConfigError) in
        let commandNode = try fields.required("command", "a command job needs 'command'")
        let command: [String]
        if commandNode.node.sequence != nil {
            command = try commandNode.sequence().map { node throws(ConfigError) in try node.string() }
        } else {
            command = try commandNode.string().split(separator: " ").map(String.init)
        }
        guard let program = command.first, !program.isEmpty else { throw commandNode.error("names no program") }
        return .command(
            CommandJob(
                command: command, environment: try fields["env"]?.stringMap() ?? [:],
                inheritedEnvironment: try fields["inherit_env"]?.sequence().map { node throws(ConfigError) in
                    try node.string()
                } ?? [],
                workingDirectory: try fields["working_dir"]?.path()))
    }

    static let sql = JobKind(name: "sql") { fields, context throws(ConfigError) in
        let database = try context.database(fields, kind: "sql")
        let sqlNode = try fields.required("sql", "a sql job needs 'sql'")
        let sql = try sqlNode.string().trimmingCharacters(in: .whitespacesAndNewlines)
        guard !sql.isEmpty else { throw sqlNode.error("is empty") }
        let keyNode = fields["batch_key"]
        let tableNode = fields["table"]
        guard let sizeNode = fields["batch_size"] else {
            if let extra = keyNode ?? tableNode { throw extra.error("only used with batch_size") }
            return .sql(SQLStatementJob(database: database, sql: sql))
        }
        guard sql.contains(SQLStatementJob.batchPlaceholder) else {
            throw sqlNode.error("a batched statement needs {batch} in its WHERE, where each batch's key range goes")
        }
        guard let tableNode else { throw fields.node.error("a batched sql job needs 'table'") }
        guard let keyNode else { throw fields.node.error("a batched sql job needs 'batch_key'") }
        let batching = SQLStatementJob.Batching(
            table: try tableNode.sqlName(qualified: true), key: try keyNode.sqlName().text,
            size: try sizeNode.int(in: 1...10_000_000))
        return .sql(SQLStatementJob(database: database, sql: sql, batching: batching))
    }

    static let purge = JobKind(name: "purge") { fields, context throws(ConfigError) in
        .purge(try PurgeSettings.job(fields, database: try context.database(fields, kind: "purge")))
    }

    static let expire = JobKind(name: "expire") { fields, context throws(ConfigError) in
        let database = try context.database(fields, kind: "expire")
        return .expire(
            ExpireJob(
                database: database, table: try fields.required("table", "an expire job needs 'table'").sqlName(qualified: true),
                expiresAtColumn: try fields.required("expires_at_column", "an expire job needs 'expires_at_column'").sqlName()
                    .text,
                filter: try fields["where"]?.string(), batchSize: try fields["batch_size"]?.int(in: 1...1_000_000) ?? 10_000))
    }

    static let rollup = JobKind(name: "rollup") { fields, context throws(ConfigError) in
        .rollup(
            try RollupSettings.job(fields, database: try context.database(fields, kind: "rollup"), timeZone: context.timeZone))
    }

    static let counterFlush = JobKind(name: "counter-flush") { fields, context throws(ConfigError) in
        let database = try context.database(fields, kind: "counter-flush")
        let redisNode = try fields.required("redis", "a counter-flush job needs 'redis'")
        let server = try redisNode.string()
        guard context.redis.contains(server) else {
            throw redisNode.error(
                "no Redis server named '\(server)' under redis: (known: \(context.redis.isEmpty ? "none" : context.redis.sorted().joined(separator: ", ")))"
            )
        }
        return .counterFlush(try CounterFlushSettings.job(fields, database: database, redis: server, timeZone: context.timeZone))
    }
}
