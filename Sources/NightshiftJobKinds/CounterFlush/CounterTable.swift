import NightshiftDatabase
import SQLKit

/// The table a counter flush writes: one row per combination of field values, upserted in
/// batches with one statement each.
struct CounterTable: Sendable {
    let pool: SQLConnectionPool
    let table: SQLName
    /// The key columns, in the order of the job's row fields.
    let keyColumns: [String]
    /// The number columns, in the order of the job's values.
    let valueColumns: [String]
    /// Each key column's type, for casting the text values bound to it (PostgreSQL).
    let keyTypes: [String]

    /// The table of `job`, created when missing (unless `create` is false, for dry runs); its
    /// columns are checked.
    static func open(for job: CounterFlushJob, pool: SQLConnectionPool, create: Bool) async throws -> CounterTable {
        let keyColumns = job.rowFields.map(job.column)
        let valueColumns = job.values.map(\.column)
        if create {
            let dateType = pool.maintenance.counterDateType
            let definitions = job.rowFields.map { field in
                let type = field == CounterKeyPattern.dateField ? dateType : "text"
                return "\"\(job.column(field))\" \(type) NOT NULL"
            }
            let values = valueColumns.map { "\"\($0)\" bigint NOT NULL DEFAULT 0" }
            try await pool.withDatabase { db in
                try await db.raw(
                    """
                    CREATE TABLE IF NOT EXISTS \(unsafeRaw: job.table.quoted) (\(unsafeRaw: (definitions + values).joined(separator: ", ")), \
                    PRIMARY KEY (\(unsafeRaw: keyColumns.map { "\"\($0)\"" }.joined(separator: ", "))))
                    """
                ).run()
            }
        }
        let schema: TableSchema
        do {
            schema = try await TableSchema.read(job.table, on: pool, database: job.database)
        } catch MaintenanceError.missingTable where !create {
            // A dry run before the first flush: the table would be created, and nothing is written.
            return CounterTable(
                pool: pool, table: job.table, keyColumns: keyColumns, valueColumns: valueColumns,
                keyTypes: keyColumns.map { _ in "text" })
        }
        try schema.require(keyColumns + valueColumns)
        return CounterTable(
            pool: pool, table: job.table, keyColumns: keyColumns, valueColumns: valueColumns,
            keyTypes: keyColumns.map { schema.columns[$0] ?? "text" })
    }

    /// Writes `rows` (key values in ``keyColumns`` order → the numbers in ``valueColumns``
    /// order): replacing the stored numbers, or adding to them when `additive`. Returns the
    /// number of rows written.
    @discardableResult
    func upsert(_ rows: [[String]: [Int64]], additive: Bool, on db: any SQLDatabase) async throws -> Int {
        guard !rows.isEmpty else { return 0 }
        let entries = rows.map { (key: $0.key, values: $0.value) }
        let updates = valueColumns.map { column in
            let value = "\"\(column)\""
            return "\(value) = " + (additive ? "\(table.quoted).\(value) + excluded.\(value)" : "excluded.\(value)")
        }
        let columnList = (keyColumns + valueColumns).map { "\"\($0)\"" }.joined(separator: ", ")
        let conflict = keyColumns.map { "\"\($0)\"" }.joined(separator: ", ")
        let insert = "INSERT INTO \(table.quoted) (\(columnList))"
        let onConflict: SQLQueryString =
            " ON CONFLICT (\(unsafeRaw: conflict)) DO UPDATE SET \(unsafeRaw: updates.joined(separator: ", "))"
        let sql = pool.maintenance
        let rowsPerStatement = sql.rowsPerStatement(columns: keyColumns.count + valueColumns.count)
        for start in stride(from: 0, to: entries.count, by: rowsPerStatement) {
            try await sql.upsert(
                entries[start..<min(start + rowsPerStatement, entries.count)], insert: insert, onConflict: onConflict,
                keyTypes: keyTypes, on: db)
        }
        return entries.count
    }
}
