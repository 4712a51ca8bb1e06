import Foundation
import NightshiftDatabase
import SQLKit

/// Where a rollup's scheduled runs got to, kept in the application database beside its targets
/// (`nightshift_rollup_watermarks`), so it survives restarts and moves with the data.
struct RollupWatermark {
    let pool: SQLConnectionPool
    let job: String
    let target: String

    /// The last run's high mark; nil before the first run.
    func read() async throws -> Date? {
        // Reads only, so that a dry run works for a role that may only SELECT.
        do {
            _ = try await TableSchema.read(try SQLName("nightshift_rollup_watermarks"), on: pool, database: "")
        } catch MaintenanceError.missingTable {
            return nil
        }
        return try await pool.withDatabase { db in
            try await db.raw(
                "SELECT watermark_epoch FROM nightshift_rollup_watermarks WHERE job = \(bind: job) AND target = \(bind: target)"
            ).first()?.decode(column: "watermark_epoch", as: Double.self)
        }.map { Date(timeIntervalSince1970: $0) }
    }

    /// Records `mark` as the high mark.
    func store(_ mark: Date) async throws {
        try await pool.withTransaction { db in
            // Runs side by side would otherwise race to create the table.
            try await pool.maintenance.serializeSchemaChanges(on: db)
            try await ensureTable(db)
            try await db.raw(
                """
                INSERT INTO nightshift_rollup_watermarks (job, target, watermark_epoch) VALUES (\(bind: job), \(bind: target), \(bind: mark.timeIntervalSince1970))
                ON CONFLICT (job, target) DO UPDATE SET watermark_epoch = excluded.watermark_epoch
                """
            ).run()
        }
    }

    private func ensureTable(_ db: any SQLDatabase) async throws {
        try await db.raw(
            "CREATE TABLE IF NOT EXISTS nightshift_rollup_watermarks (job TEXT NOT NULL, target TEXT NOT NULL, watermark_epoch DOUBLE PRECISION NOT NULL, PRIMARY KEY (job, target))"
        ).run()
    }
}
