import Foundation
import NightshiftJobKinds

/// Reads a `counter-flush` job's keys.
enum CounterFlushSettings {
    static func job(_ fields: ConfigFields, database: String, redis: String, timeZone: TimeZone) throws(ConfigError)
        -> CounterFlushJob
    {
        let keysNode = try fields.required(
            "keys", "a counter-flush job needs 'keys', such as \"usage:{tenant}:{date}:{metric}\"")
        let tableNode = try fields.required("table", "a counter-flush job needs 'table'")
        let patternText = try keysNode.string()
        let pattern: CounterKeyPattern
        do {
            pattern = try CounterKeyPattern(patternText)
        } catch {
            throw keysNode.error(error.reason)
        }
        let hashFieldNode = fields["hash_field"]
        let hashField = try hashFieldNode.map { node throws(ConfigError) in try SQLNameCheck.column(try node.string(), at: node) }
        if let hashField, let hashFieldNode, pattern.fields.contains(hashField) {
            throw hashFieldNode.error("'\(hashField)' is already a field of the key pattern")
        }
        var columns: [String: String] = [:]
        var valueColumn: (name: String, node: ConfigNode)?
        if let columnsNode = fields["columns"] {
            let known = Set(pattern.fields + [hashField].compactMap { $0 } + ["value"])
            for (field, columnNode) in try columnsNode.mapping(allowed: known) {
                let column = try columnNode.sqlName().text
                if field == "value" { valueColumn = (column, columnNode) } else { columns[field] = column }
            }
        }
        return CounterFlushJob(
            database: database, redis: redis, pattern: pattern, hashField: hashField,
            table: try tableNode.sqlName(qualified: true), columns: columns,
            values: try values(fields["values"], hashField: hashField, default: valueColumn),
            totalMarker: try fields["total"]?.string(),
            batchSize: try fields["batch_size"]?.int(in: 1...100_000) ?? 1000, timeZone: timeZone)
    }

    /// The number columns: `values` (column → the hash fields holding it, as `{metric}:weight`),
    /// else the one column `columns.value`.
    private static func values(
        _ node: ConfigNode?, hashField: String?, default column: (name: String, node: ConfigNode)?
    ) throws(ConfigError) -> [CounterValue] {
        guard let node else { return [CounterValue(column: column?.name ?? "value")] }
        if let column { throw column.node.error("give the number columns either as 'values' or as 'columns.value', not both") }
        guard let hashField else {
            throw node.error(
                "'values' needs 'hash_field': with one key per counter, each key holds one number (write each number column with a job of its own)"
            )
        }
        var values: [CounterValue] = []
        for (name, templateNode) in try node.mapping() {
            let column = try SQLNameCheck.column(name, at: templateNode)
            let template = try templateNode.string()
            do {
                values.append(try CounterValue(column: column, template: template, field: hashField))
            } catch {
                throw templateNode.error(error.reason)
            }
        }
        guard !values.isEmpty else { throw node.error("'values' lists no column") }
        let fieldNames = values.map { "\($0.prefix)\u{0}\($0.suffix)" }
        guard Set(fieldNames).count == values.count else { throw node.error("two values are held in the same hash fields") }
        return values
    }
}
