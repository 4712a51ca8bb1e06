import Foundation
import NightshiftMaintenance

/// Reads a `counter-flush` job's keys.
enum CounterFlushSettings {
    static func job(values: [String: ConfigNode], node: ConfigNode, database: String, redis: String, timeZone: TimeZone)
        throws(ConfigError) -> CounterFlushJob
    {
        guard let keysNode = values["keys"] else {
            throw node.error("a counter-flush job needs 'keys', such as \"usage:{tenant}:{date}:{metric}\"")
        }
        guard let tableNode = values["table"] else { throw node.error("a counter-flush job needs 'table'") }
        let patternText = try keysNode.string()
        let pattern: CounterKeyPattern
        do {
            pattern = try CounterKeyPattern(patternText)
        } catch {
            throw keysNode.error(error.reason)
        }
        let hashField = try values["hash_field"].map { node throws(ConfigError) in
            try SQLNameCheck.column(try node.string(), at: node)
        }
        if let hashField, pattern.fields.contains(hashField) {
            throw values["hash_field"]!.error("'\(hashField)' is already a field of the key pattern")
        }
        var columns: [String: String] = [:]
        var valueColumn = "value"
        if let columnsNode = values["columns"] {
            let known = Set(pattern.fields + [hashField].compactMap { $0 } + ["value"])
            for (field, columnNode) in try columnsNode.mapping(allowed: known) {
                let column = try columnNode.sqlName().text
                if field == "value" { valueColumn = column } else { columns[field] = column }
            }
        }
        return CounterFlushJob(
            database: database, redis: redis, pattern: pattern, hashField: hashField,
            table: try tableNode.sqlName(qualified: true),
            columns: columns, valueColumn: valueColumn, totalMarker: try values["total"]?.string(),
            batchSize: try values["batch_size"]?.int(in: 1...100_000) ?? 1000, timeZone: timeZone)
    }
}
