import Foundation
import Nightshift
import NightshiftDatabase
import SQLKit

/// The `sql` job kind: one statement against a named database, or one statement repeated over
/// batches of a table.
///
/// Details are the first row's columns when the statement returns rows (`SELECT
/// cleanup_old_logs()` gives `cleanup_old_logs=25000`), otherwise `rowsAffected`. A dry run
/// executes the statement inside a transaction that is rolled back, so it reports what would
/// change and changes nothing.
public struct SQLStatementJob: Sendable {
    /// How a batched statement walks its table.
    public struct Batching: Sendable, Equatable {
        /// The table whose keys are walked.
        public var table: SQLName
        /// The column the batches are ranges of (usually the primary key).
        public var key: String
        /// Keys per batch.
        public var size: Int

        /// Batches of `size` keys of `table`, in `key` order.
        public init(table: SQLName, key: String, size: Int) {
            self.table = table
            self.key = key
            self.size = size
        }
    }

    /// The placeholder a batched statement puts in its `WHERE`: each batch replaces it with its key range.
    public static let batchPlaceholder = "{batch}"

    /// The database's name in the config.
    public let database: String
    /// The statement.
    public let sql: String
    /// When set, the statement runs once per key range of the table, each in its own transaction.
    public let batching: Batching?

    /// A job that runs `sql` on `database`, over batches when `batching` is given.
    public init(database: String, sql: String, batching: Batching? = nil) {
        self.database = database
        self.sql = sql
        self.batching = batching
    }

    /// The work, for ``Job/init(name:schedule:description:enabled:kind:policies:body:)``.
    /// `statementTimeout` (the job's timeout) bounds each statement on the server too.
    public func body(registry: DatabaseRegistry, statementTimeout: Duration? = nil) -> Job.Body {
        { context in
            let pool = try await registry.pool(named: database)
            return try await withReadableDatabaseErrors {
                var details: JSONObject
                if let batching {
                    details = try await runBatches(batching, pool: pool, context: context, timeout: statementTimeout)
                } else {
                    let output = try await pool.executeStatement(sql, rollback: context.isDryRun, timeout: statementTimeout)
                    details = output.rows.first?.jsonObject ?? JSONObject()
                    if output.rows.isEmpty { details["rowsAffected"] = .number(Double(output.rowsAffected)) }
                }
                if context.isDryRun { details["dryRun"] = true }
                return details
            }
        }
    }

    /// Walks the table's keys in ranges of `batching.size` and runs the statement for each,
    /// until the keys run out; progress is keys passed over keys at the start.
    private func runBatches(
        _ batching: Batching, pool: SQLConnectionPool, context: JobContext, timeout: Duration?
    ) async throws -> JSONObject {
        let schema = try await TableSchema.read(batching.table, on: pool, database: database)
        try schema.require([batching.key])
        let keyType = schema.columns[batching.key] ?? "text"
        let key = "\"\(batching.key)\""
        let table = batching.table.quoted
        let total = try await pool.withDatabase { db in
            try await db.raw("SELECT count(*) AS n FROM \(unsafeRaw: table)").first()?.decode(column: "n", as: Int.self) ?? 0
        }
        var lastKey: String?
        var rowsAffected = 0
        var batches = 0
        var passed = 0
        while true {
            try context.checkCancellation()
            // Keys are bound, never spliced into the SQL; the casts give them the column's type.
            let after: SQLQueryString =
                lastKey.map { "WHERE \(unsafeRaw: key) > CAST(\(bind: $0) AS \(unsafeRaw: keyType))" } ?? ""
            let range = try await pool.withDatabase { db in
                try await db.raw(
                    "SELECT CAST(max(k) AS text) AS upper, count(*) AS n FROM (SELECT \(unsafeRaw: key) AS k FROM \(unsafeRaw: table) \(after) ORDER BY \(unsafeRaw: key) LIMIT \(literal: batching.size)) batch"
                ).first()
            }
            guard let range, try !range.decodeNil(column: "upper") else { break }
            let upper = try range.decode(column: "upper", as: String.self)
            let bounds = [lastKey, upper].compactMap { $0 }
            func bound(_ number: Int) -> String { "CAST(\(SQLConnectionPool.bindMarker(number)) AS \(keyType))" }
            let condition = lastKey == nil ? "\(key) <= \(bound(1))" : "\(key) > \(bound(1)) AND \(key) <= \(bound(2))"
            let statement = sql.replacingOccurrences(of: Self.batchPlaceholder, with: "(\(condition))")
            rowsAffected += try await pool.executeStatement(
                statement, binding: bounds, rollback: context.isDryRun, timeout: timeout
            ).rowsAffected
            batches += 1
            passed += try range.decode(column: "n", as: Int.self)
            lastKey = upper
            context.progress(total == 0 ? 100 : passed * 100 / total)
        }
        return ["rowsAffected": .number(Double(rowsAffected)), "batches": .number(Double(batches))]
    }
}
