import Foundation
import NightshiftMaintenance

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
        var valueColumn = "value"
        if let columnsNode = fields["columns"] {
            let known = Set(pattern.fields + [hashField].compactMap { $0 } + ["value"])
            for (field, columnNode) in try columnsNode.mapping(allowed: known) {
                let column = try columnNode.sqlName().text
                if field == "value" { valueColumn = column } else { columns[field] = column }
            }
        }
        return CounterFlushJob(
            database: database, redis: redis, pattern: pattern, hashField: hashField,
            table: try tableNode.sqlName(qualified: true),
            columns: columns, valueColumn: valueColumn, totalMarker: try fields["total"]?.string(),
            batchSize: try fields["batch_size"]?.int(in: 1...100_000) ?? 1000, timeZone: timeZone)
    }
}
