import NightshiftDatabase

/// One column of a rollup target and how it aggregates the source rows of a bucket.
public struct RollupMeasure: Sendable, Equatable {
    /// How the value is computed.
    public enum Aggregate: Sendable, Equatable {
        /// Rows in the bucket.
        case count
        /// Rows meeting a SQL condition (`status < 400`).
        case countIf(String)
        /// Distinct non-null values of a column (seed 003's unique users).
        case countDistinct(String)
        /// Sum of a column.
        case sum(String)
        /// Smallest value of a column.
        case min(String)
        /// Largest value of a column.
        case max(String)
        /// PostgreSQL: the JSON objects of a column merged in time order, later keys winning.
        case jsonMerge(String)

        /// The source column it reads, if any.
        var column: String? {
            switch self {
            case .count, .countIf: return nil
            case .countDistinct(let column), .sum(let column), .min(let column), .max(let column), .jsonMerge(let column):
                return column
            }
        }
    }

    /// The target column.
    public let name: String
    /// Its aggregate.
    public let aggregate: Aggregate

    /// A measure writing `aggregate` into column `name`.
    public init(name: String, aggregate: Aggregate) {
        self.name = name
        self.aggregate = aggregate
    }

    /// The aggregate expression over the source rows of a group.
    func expression(flavor: SQLDialectFragments.Flavor, time: String) throws(MaintenanceError) -> String {
        switch aggregate {
        case .count: return "count(*)"
        case .countIf(let condition):
            return flavor == .postgres
                ? "count(*) FILTER (WHERE \(condition))" : "coalesce(sum(CASE WHEN \(condition) THEN 1 ELSE 0 END), 0)"
        case .countDistinct(let column): return "count(DISTINCT \"\(column)\")"
        case .sum(let column): return "sum(\"\(column)\")"
        case .min(let column): return "min(\"\(column)\")"
        case .max(let column): return "max(\"\(column)\")"
        case .jsonMerge(let column):
            guard flavor == .postgres else {
                throw .unsupported("measure '\(name)': json_merge needs PostgreSQL (jsonb)")
            }
            return "nightshift_jsonb_merge(CAST(\"\(column)\" AS jsonb) ORDER BY \(time))"
        }
    }

    /// The target column's type, given the source column's.
    func columnType(flavor: SQLDialectFragments.Flavor, sourceType: String?) -> String {
        switch aggregate {
        case .count, .countIf, .countDistinct:
            return flavor == .postgres ? "bigint NOT NULL DEFAULT 0" : "INTEGER NOT NULL DEFAULT 0"
        case .sum: return flavor == .postgres ? "numeric" : "NUMERIC"
        case .min, .max: return sourceType ?? "NUMERIC"
        case .jsonMerge: return "jsonb"
        }
    }
}
