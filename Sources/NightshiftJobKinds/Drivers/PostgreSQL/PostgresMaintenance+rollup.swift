import Foundation
import NightshiftDatabase
import SQLKit

/// Buckets cut by `date_trunc` in any time zone; NULL groups are equal under
/// `UNIQUE NULLS NOT DISTINCT`, so one `INSERT … ON CONFLICT` writes every bucket.
extension PostgresMaintenance {
    func checkBucketTimeZone(_ timeZone: TimeZone) throws(MaintenanceError) {}

    func bucketStart(_ granularity: RollupGranularity, of instant: String, in timeZone: TimeZone) -> String {
        "date_trunc('\(granularity.rawValue)', \(instant), '\(timeZone.identifier)')"
    }

    func countIf(_ condition: String) -> String { "count(*) FILTER (WHERE \(condition))" }

    func jsonMerge(of column: String, measure: String, time: String) throws(MaintenanceError) -> String {
        "nightshift_jsonb_merge(CAST(\"\(column)\" AS jsonb) ORDER BY \(time))"
    }

    func columnType(of measure: RollupMeasure, sourceType: String?) -> String {
        switch measure.aggregate {
        case .count, .countIf, .countDistinct: return "bigint NOT NULL DEFAULT 0"
        case .sum: return "numeric"
        case .min, .max: return sourceType ?? "numeric"
        case .jsonMerge: return "jsonb"
        }
    }

    func bucketColumn(named name: String) -> String { "\"\(name)\" timestamptz NOT NULL" }

    func localDay(of bucketStart: String, in timeZone: TimeZone) throws(MaintenanceError) -> String {
        "CAST(timezone('\(timeZone.identifier)', \(bucketStart)) AS date)"
    }

    func uniqueConstraint(_ key: String) -> String { "UNIQUE NULLS NOT DISTINCT (\(key))" }

    func prepare(for measures: [RollupMeasure], on db: any SQLDatabase) async throws {
        guard measures.contains(where: { if case .jsonMerge = $0.aggregate { true } else { false } }) else { return }
        try await db.raw(
            "CREATE OR REPLACE AGGREGATE nightshift_jsonb_merge(jsonb) (SFUNC = jsonb_concat, STYPE = jsonb, INITCOND = '{}')"
        ).run()
    }

    var rowsDiffer: String { "IS DISTINCT FROM" }

    func serializeSchemaChanges(on db: any SQLDatabase) async throws {
        try await db.raw("SELECT pg_advisory_xact_lock(hashtext('nightshift:rollup-schema'))").run()
    }

    func write(
        _ upsert: SQLQueryString, into table: String, bucketColumn: String, groups: [String], window: (from: Date, to: Date),
        on pool: SQLConnectionPool
    ) async throws -> Int {
        try await pool.withDatabase { db in
            try await db.raw("WITH written AS (" + upsert + " RETURNING 1) SELECT count(*) AS n FROM written").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }
}
