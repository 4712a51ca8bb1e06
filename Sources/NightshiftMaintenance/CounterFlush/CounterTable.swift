import NightshiftDatabase
import SQLKit

/// The table a counter flush writes: one row per combination of field values, upserted in
/// batches with one statement each.
struct CounterTable: Sendable {
    let pool: SQLConnectionPool
    let table: SQLName
    /// The key columns, in the order of the job's row fields.
    let keyColumns: [String]
    let valueColumn: String
    /// Each key column's type, for casting the text values bound to it (PostgreSQL).
    let keyTypes: [String]

    /// The table of `job`, created when missing (unless `create` is false, for dry runs); its
    /// columns are checked.
    static func open(for job: CounterFlushJob, pool: SQLConnectionPool, create: Bool) async throws -> CounterTable {
        let keyColumns = job.rowFields.map(job.column)
        if create {
            let dateType = pool.maintenance.counterDateType
            let definitions = job.rowFields.map { field in
                let type = field == CounterKeyPattern.dateField ? dateType : "text"
                return "\"\(job.column(field))\" \(type) NOT NULL"
            }
            let value = "\"\(job.valueColumn)\" bigint NOT NULL DEFAULT 0"
            try await pool.withDatabase { db in
                try await db.raw(
                    """
                    CREATE TABLE IF NOT EXISTS \(unsafeRaw: job.table.quoted) (\(unsafeRaw: (definitions + [value]).joined(separator: ", ")), \
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
                pool: pool, table: job.table, keyColumns: keyColumns, valueColumn: job.valueColumn,
                keyTypes: keyColumns.map { _ in "text" })
        }
        try schema.require(keyColumns + [job.valueColumn])
        return CounterTable(
            pool: pool, table: job.table, keyColumns: keyColumns, valueColumn: job.valueColumn,
            keyTypes: keyColumns.map { schema.columns[$0] ?? "text" })
    }

    /// Writes `rows` (key values in ``keyColumns`` order → count): replacing the stored count,
    /// or adding to it when `additive`. Returns the number of rows written.
    @discardableResult
    func upsert(_ rows: [[String]: Int64], additive: Bool, on db: any SQLDatabase) async throws -> Int {
        guard !rows.isEmpty else { return 0 }
        let entries = rows.map { (key: $0.key, value: $0.value) }
        let value = "\"\(valueColumn)\""
        let update = additive ? "\(table.quoted).\(value) + excluded.\(value)" : "excluded.\(value)"
        let columnList = (keyColumns + [valueColumn]).map { "\"\($0)\"" }.joined(separator: ", ")
        let conflict = keyColumns.map { "\"\($0)\"" }.joined(separator: ", ")
        let insert = "INSERT INTO \(table.quoted) (\(columnList))"
        let onConflict: SQLQueryString =
            " ON CONFLICT (\(unsafeRaw: conflict)) DO UPDATE SET \(unsafeRaw: value) = \(unsafeRaw: update)"
        let sql = pool.maintenance
        let rowsPerStatement = sql.rowsPerStatement(keyColumns: keyColumns.count)
        for start in stride(from: 0, to: entries.count, by: rowsPerStatement) {
            try await sql.upsert(
                entries[start..<min(start + rowsPerStatement, entries.count)], insert: insert, onConflict: onConflict,
                keyTypes: keyTypes, on: db)
        }
        return entries.count
    }
}
