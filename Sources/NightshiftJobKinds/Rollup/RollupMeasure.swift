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
}
