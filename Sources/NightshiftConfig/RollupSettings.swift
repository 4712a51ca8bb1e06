import Foundation
import NightshiftJobKinds

/// Reads a `rollup` job's keys.
enum RollupSettings {
    static func job(_ fields: ConfigFields, database: String, timeZone: TimeZone) throws(ConfigError) -> RollupJob {
        func required(_ key: String) throws(ConfigError) -> ConfigNode {
            try fields.required(key, "a rollup job needs '\(key)'")
        }
        let groupBy = try fields["group_by"]?.sequence().map { item throws(ConfigError) in try item.sqlName().text } ?? []
        var granularities: [RollupGranularity] = []
        if let list = fields["granularities"] {
            for item in try list.sequence() {
                let text = try item.string()
                let aliases: [String: RollupGranularity] = ["hourly": .hour, "daily": .day, "weekly": .week, "monthly": .month]
                guard let granularity = RollupGranularity(rawValue: text) ?? aliases[text] else {
                    throw item.error("'\(text)' is not one of hour, day, week, month")
                }
                if !granularities.contains(granularity) { granularities.append(granularity) }
            }
            guard !granularities.isEmpty else { throw list.error("lists no granularities") }
        } else {
            granularities = [.hour, .day]
        }
        let measuresNode = try required("measures")
        var measures: [RollupMeasure] = []
        for (name, value) in try measuresNode.mapping() {
            let column = try SQLNameCheck.column(name, at: value)
            measures.append(RollupMeasure(name: column, aggregate: try aggregate(value)))
        }
        guard !measures.isEmpty else { throw measuresNode.error("lists no measures") }
        let bucketColumn = try fields["bucket_column"]?.sqlName().text ?? "bucket_start"
        let reserved = Set(groupBy + [bucketColumn])
        if let clash = measures.first(where: { reserved.contains($0.name) }) {
            throw measuresNode.error(
                "measure '\(clash.name)' has the name of a group_by column or the bucket column \(bucketColumn)")
        }
        return RollupJob(
            database: database, source: try required("source").sqlName(qualified: true),
            timestampColumn: try required("timestamp_column").sqlName().text, groupBy: groupBy, granularities: granularities,
            target: try required("target").sqlName(qualified: true), measures: measures,
            lateData: try fields["late_data"]?.duration() ?? .seconds(3600), timeZone: timeZone, bucketColumn: bucketColumn,
            completeBucketsOnly: try fields["complete_buckets_only"]?.bool() ?? false)
    }

    /// `count`, or a one-key mapping such as `{count_if: "status < 400"}` or `{sum: bytes}`.
    private static func aggregate(_ node: ConfigNode) throws(ConfigError) -> RollupMeasure.Aggregate {
        let kinds = "count, count_if, count_distinct, sum, min, max, json_merge"
        if node.node.scalar != nil {
            guard try node.string() == "count" else {
                throw node.error(
                    "'\(try node.string())' is not a measure; write count, or a mapping such as {sum: column} (one of \(kinds))")
            }
            return .count
        }
        let entries = try node.mapping()
        guard entries.count == 1, let (kind, argument) = entries.first else {
            throw node.error("a measure is one of \(kinds), such as {count_if: \"status < 400\"}")
        }
        switch kind {
        case "count_if": return .countIf(try argument.string())
        case "count_distinct": return .countDistinct(try argument.sqlName().text)
        case "sum": return .sum(try argument.sqlName().text)
        case "min": return .min(try argument.sqlName().text)
        case "max": return .max(try argument.sqlName().text)
        case "json_merge": return .jsonMerge(try argument.sqlName().text)
        default: throw node.error("'\(kind)' is not a measure; expected one of \(kinds)")
        }
    }
}

/// Checks a name that comes from a mapping key rather than a value.
enum SQLNameCheck {
    static func column(_ name: String, at node: ConfigNode) throws(ConfigError) -> String {
        do {
            return try SQLName(name).text
        } catch {
            throw node.error(error.description)
        }
    }
}
