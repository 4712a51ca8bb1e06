import Foundation
import NightshiftDatabase
import SQLKit

/// How a driver buckets, aggregates and upserts a rollup (``RollupJob``).
protocol RollupSQL: Sendable {
    /// Throws when buckets cannot be cut in `timeZone` on this database.
    func checkBucketTimeZone(_ timeZone: TimeZone) throws(MaintenanceError)
    /// The start of the bucket of `instant` (an SQL expression) at `granularity` in `timeZone`.
    func bucketStart(_ granularity: RollupGranularity, of instant: String, in timeZone: TimeZone) -> String
    /// The count of a group's rows meeting `condition`.
    func countIf(_ condition: String) -> String
    /// The JSON objects of `column` merged in the order of `time` (the time column as an
    /// instant); throws where the database cannot, naming `measure`.
    func jsonMerge(of column: String, measure: String, time: String) throws(MaintenanceError) -> String
    /// The target column type of `measure`, given its source column's type.
    func columnType(of measure: RollupMeasure, sourceType: String?) -> String
    /// The definition of the bucket column `name` of a target.
    func bucketColumn(named name: String) -> String
    /// The local day of a bucket start (the expression `bucketStart` gives), for a target whose
    /// bucket column has the type `date`; throws where the database has no such type.
    func localDay(of bucketStart: String, in timeZone: TimeZone) throws(MaintenanceError) -> String
    /// The unique constraint over the group and bucket columns `key`, NULL groups included.
    func uniqueConstraint(_ key: String) -> String
    /// The operator saying two row values differ, NULLs compared as values.
    var rowsDiffer: String { get }
    /// Creates what `measures` need besides the target tables.
    func prepare(for measures: [RollupMeasure], on db: any SQLDatabase) async throws
    /// Makes the transaction of `db` the only one changing rollup tables and functions until it
    /// ends: runs of one rollup for a date range, executed side by side, failed with
    /// "tuple concurrently updated" creating the same aggregate and tables.
    func serializeSchemaChanges(on db: any SQLDatabase) async throws
    /// Runs `upsert` into `table` for the buckets of `window`, grouped by `groups`; returns the
    /// number of bucket rows written.
    func write(
        _ upsert: SQLQueryString, into table: String, bucketColumn: String, groups: [String], window: (from: Date, to: Date),
        on pool: SQLConnectionPool
    ) async throws -> Int
}

extension RollupSQL {
    /// The aggregate expression of `measure` over a group's rows; `time` is the time column as
    /// an instant, for measures that depend on order.
    func expression(of measure: RollupMeasure, time: String) throws(MaintenanceError) -> String {
        switch measure.aggregate {
        case .count: "count(*)"
        case .countIf(let condition): countIf(condition)
        case .countDistinct(let column): "count(DISTINCT \"\(column)\")"
        case .sum(let column): "sum(\"\(column)\")"
        case .min(let column): "min(\"\(column)\")"
        case .max(let column): "max(\"\(column)\")"
        case .jsonMerge(let column): try jsonMerge(of: column, measure: measure.name, time: time)
        }
    }
}
