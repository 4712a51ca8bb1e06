import Foundation
import Nightshift
import NightshiftDatabase
import SQLKit

/// Buckets cut by `strftime` in UTC, as `YYYY-MM-DD HH:MM:SS` text.
extension SQLiteMaintenance {
    func checkBucketTimeZone(_ timeZone: TimeZone) throws(MaintenanceError) {
        guard ["UTC", "GMT", "Etc/UTC", "Etc/GMT"].contains(timeZone.identifier) else {
            throw .unsupported(
                "rollup on SQLite buckets in UTC only (SQLite has no time zones); set timezone: UTC for this job, or use PostgreSQL"
            )
        }
    }

    func bucketStart(_ granularity: RollupGranularity, of instant: String, in timeZone: TimeZone) -> String {
        switch granularity {
        case .hour: return "strftime('%Y-%m-%d %H:00:00', \(instant))"
        case .day: return "strftime('%Y-%m-%d 00:00:00', \(instant))"
        // The Sunday on or after the day, then back six days: the Monday that starts its ISO week.
        case .week: return "strftime('%Y-%m-%d 00:00:00', \(instant), 'weekday 0', '-6 days')"
        case .month: return "strftime('%Y-%m-01 00:00:00', \(instant))"
        }
    }

    func countIf(_ condition: String) -> String { "coalesce(sum(CASE WHEN \(condition) THEN 1 ELSE 0 END), 0)" }

    func jsonMerge(of column: String, measure: String, time: String) throws(MaintenanceError) -> String {
        throw .unsupported("measure '\(measure)': json_merge needs PostgreSQL (jsonb)")
    }

    func columnType(of measure: RollupMeasure, sourceType: String?) -> String {
        switch measure.aggregate {
        case .count, .countIf, .countDistinct: return "INTEGER NOT NULL DEFAULT 0"
        case .sum: return "NUMERIC"
        case .min, .max: return sourceType ?? "NUMERIC"
        case .jsonMerge: return "TEXT"
        }
    }

    func bucketColumn(named name: String) -> String { "\"\(name)\" TEXT NOT NULL" }

    func localDay(of bucketStart: String, in timeZone: TimeZone) throws(MaintenanceError) -> String {
        throw MaintenanceError.unsupported("a rollup target whose bucket column is of type date needs PostgreSQL")
    }

    func uniqueConstraint(_ key: String) -> String { "UNIQUE (\(key))" }

    func prepare(for measures: [RollupMeasure], on db: any SQLDatabase) async throws {}

    var rowsDiffer: String { "IS NOT" }

    /// Nothing: the transaction began with `BEGIN IMMEDIATE`, which writers take in turn.
    func serializeSchemaChanges(on db: any SQLDatabase) async throws {}

    /// SQLite's unique keys treat NULLs as distinct, so a NULL group would never conflict: the
    /// window's rows with a NULL group are cleared first and the insert rewrites them.
    func write(
        _ upsert: SQLQueryString, into table: String, bucketColumn: String, groups: [String], window: (from: Date, to: Date),
        on pool: SQLConnectionPool
    ) async throws -> Int {
        try await pool.withTransaction { db in
            if !groups.isEmpty {
                try await db.raw(
                    """
                    DELETE FROM \(unsafeRaw: table) WHERE \(unsafeRaw: bucketColumn) >= \(bind: Self.text(window.from)) \
                    AND \(unsafeRaw: bucketColumn) < \(bind: Self.text(window.to)) \
                    AND (\(unsafeRaw: groups.map { "\($0) IS NULL" }.joined(separator: " OR ")))
                    """
                ).run()
            }
            try await db.raw(upsert).run()
            return try await db.raw("SELECT changes() AS n").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// SQLite's `YYYY-MM-DD HH:MM:SS`, in UTC.
    static func text(_ date: Date) -> String {
        String(ISO8601Format.string(from: date).prefix(19)).replacingOccurrences(of: "T", with: " ")
    }
}
