import Foundation
import Nightshift
import NightshiftDatabase

/// The `expire` job kind: deletes rows whose expiry time has passed (sessions, cache entries,
/// rate-limit windows), in chunks, with a dry run that counts them. Details: `expiredCount=…`.
public struct ExpireJob: Sendable {
    /// The database's name in the config.
    public let database: String
    /// The table.
    public let table: SQLName
    /// The column holding each row's expiry time.
    public let expiresAtColumn: String
    /// An extra SQL condition rows must also meet, if any.
    public let filter: String?
    /// Rows per chunk.
    public let batchSize: Int

    /// An expiry of `table`'s rows by `expiresAtColumn`.
    public init(database: String, table: SQLName, expiresAtColumn: String, filter: String? = nil, batchSize: Int = 10_000) {
        self.database = database
        self.table = table
        self.expiresAtColumn = expiresAtColumn
        self.filter = filter
        self.batchSize = batchSize
    }

    /// The work, for ``Job``.
    public func body(registry: DatabaseRegistry) -> Job.Body {
        { context in
            try await withReadableDatabaseErrors {
                let pool = try await registry.pool(named: database)
                let schema = try await TableSchema.read(table, on: pool, database: database)
                let now = try await pool.databaseNow()
                let delete = ChunkedDelete(
                    pool: pool, schema: schema,
                    timeColumn: try TimeColumn(expiresAtColumn, in: schema, sql: pool.maintenance), cutoff: now,
                    filter: filter, batchSize: batchSize)
                if context.isDryRun {
                    return ["expiredCount": .number(Double(try await delete.count())), "dryRun": true]
                }
                let deleted = try await delete.run(archive: nil) { _ in try context.checkCancellation() }
                return ["expiredCount": .number(Double(deleted))]
            }
        }
    }
}
