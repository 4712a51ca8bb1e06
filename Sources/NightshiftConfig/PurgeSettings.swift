import NightshiftJobKinds

/// Reads a `purge` job's keys: one table at the job's level, or `tables:` with one entry per
/// table, each entry taking the job-level values as defaults.
enum PurgeSettings {
    static func job(_ fields: ConfigFields, database: String) throws(ConfigError) -> PurgeJob {
        let defaults = try Defaults(fields)
        let archive = try fields["archive"]?.path()
        var targets: [PurgeJob.Target] = []
        let table = fields["table"]
        if let tables = fields["tables"] {
            guard table == nil else { throw tables.error("give either 'table' or 'tables:', not both") }
            for entry in try tables.sequence() {
                let entryFields = try ConfigFields(entry)
                targets.append(try target(entryFields, defaults: defaults.merged(with: try Defaults(entryFields))))
                try entryFields.finish()
            }
            guard !targets.isEmpty else { throw tables.error("lists no tables") }
        } else {
            targets = [try target(fields, defaults: defaults)]
        }
        return PurgeJob(database: database, targets: targets, archiveFolder: archive)
    }

    /// The keys a table entry may leave to the job's level.
    private struct Defaults {
        var column: String?
        var olderThan: Duration?
        var olderThanText: String?
        var filter: String?
        var batchSize: Int?

        init(_ fields: ConfigFields) throws(ConfigError) {
            column = try fields["timestamp_column"]?.sqlName().text
            olderThan = try fields["older_than"]?.duration()
            olderThanText = try fields["older_than"]?.string()
            filter = try fields["where"]?.string()
            batchSize = try fields["batch_size"]?.int(in: 1...1_000_000)
        }

        func merged(with entry: Defaults) -> Defaults {
            var merged = self
            merged.column = entry.column ?? column
            merged.olderThan = entry.olderThan ?? olderThan
            merged.olderThanText = entry.olderThan == nil ? olderThanText : entry.olderThanText
            merged.filter = entry.filter ?? filter
            merged.batchSize = entry.batchSize ?? batchSize
            return merged
        }
    }

    private static func target(_ fields: ConfigFields, defaults: Defaults) throws(ConfigError) -> PurgeJob.Target {
        let tableNode = try fields.required("table", "a purge job needs 'table' (or 'tables:' with one entry per table)")
        guard let column = defaults.column else { throw fields.node.error("a purge needs 'timestamp_column'") }
        guard let olderThan = defaults.olderThan else { throw fields.node.error("a purge needs 'older_than' (such as 90d)") }
        // `report: { group: rollup, label: hourly }`: reported in one line with the next entries
        // of the same group and retention.
        var label: String?
        var group: String?
        if let reportNode = fields["report"] {
            let report = try ConfigFields(reportNode)
            group = try report.required("group", "'report' needs 'group' (what the rows are) and 'label'").string()
            label = try report.required("label", "'report' needs 'label' (this table's part)").string()
            try report.finish()
        }
        return PurgeJob.Target(
            table: try tableNode.sqlName(qualified: true), timestampColumn: column, olderThan: olderThan, filter: defaults.filter,
            batchSize: defaults.batchSize ?? 10_000, olderThanText: defaults.olderThanText, label: label, group: group)
    }
}
