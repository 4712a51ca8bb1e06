import NightshiftMaintenance

/// Reads a `purge` job's keys: one table at the job's level, or `tables:` with one entry per
/// table, each entry taking the job-level values as defaults.
enum PurgeSettings {
    static func job(values: [String: ConfigNode], node: ConfigNode, database: String) throws(ConfigError) -> PurgeJob {
        let defaults = try Defaults(values)
        var targets: [PurgeJob.Target] = []
        if let tables = values["tables"] {
            guard values["table"] == nil else { throw tables.error("give either 'table' or 'tables:', not both") }
            for entry in try tables.sequence() {
                let entryValues = Dictionary(
                    try entry.mapping(allowed: ["table", "timestamp_column", "older_than", "where", "batch_size"]).map {
                        ($0.name, $0.value)
                    },
                    uniquingKeysWith: { first, _ in first })
                targets.append(
                    try target(values: entryValues, defaults: defaults.merged(with: try Defaults(entryValues)), node: entry))
            }
            guard !targets.isEmpty else { throw tables.error("lists no tables") }
        } else {
            targets = [try target(values: values, defaults: defaults, node: node)]
        }
        return PurgeJob(database: database, targets: targets, archiveFolder: try values["archive"]?.string())
    }

    /// The keys a table entry may leave to the job's level.
    private struct Defaults {
        var column: String?
        var olderThan: Double?
        var filter: String?
        var batchSize: Int?

        init(_ values: [String: ConfigNode]) throws(ConfigError) {
            column = try values["timestamp_column"]?.sqlName().text
            olderThan = try values["older_than"]?.duration()
            filter = try values["where"]?.string()
            batchSize = try values["batch_size"]?.int(in: 1...1_000_000)
        }

        func merged(with entry: Defaults) -> Defaults {
            var merged = self
            merged.column = entry.column ?? column
            merged.olderThan = entry.olderThan ?? olderThan
            merged.filter = entry.filter ?? filter
            merged.batchSize = entry.batchSize ?? batchSize
            return merged
        }
    }

    private static func target(values: [String: ConfigNode], defaults: Defaults, node: ConfigNode) throws(ConfigError)
        -> PurgeJob.Target
    {
        guard let tableNode = values["table"] else {
            throw node.error("a purge job needs 'table' (or 'tables:' with one entry per table)")
        }
        guard let column = defaults.column else { throw node.error("a purge needs 'timestamp_column'") }
        guard let olderThan = defaults.olderThan else { throw node.error("a purge needs 'older_than' (such as 90d)") }
        return PurgeJob.Target(
            table: try tableNode.sqlName(qualified: true), timestampColumn: column, olderThan: olderThan, filter: defaults.filter,
            batchSize: defaults.batchSize ?? 10_000)
    }
}
