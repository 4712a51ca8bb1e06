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
            let flavor = pool.dialect.flavor
            let definitions = job.rowFields.map { field in
                let type = field == CounterKeyPattern.dateField && flavor == .postgres ? "date" : "text"
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
        let entries = Array(rows)
        let value = "\"\(valueColumn)\""
        let update = additive ? "\(table.quoted).\(value) + excluded.\(value)" : "excluded.\(value)"
        let columnList = (keyColumns + [valueColumn]).map { "\"\($0)\"" }.joined(separator: ", ")
        let conflict = keyColumns.map { "\"\($0)\"" }.joined(separator: ", ")
        let insert = "INSERT INTO \(table.quoted) (\(columnList))"
        let onConflict: SQLQueryString =
            " ON CONFLICT (\(unsafeRaw: conflict)) DO UPDATE SET \(unsafeRaw: value) = \(unsafeRaw: update)"
        // SQLite allows 32,766 parameters per statement.
        let rowsPerStatement = pool.dialect.flavor == .postgres ? 5000 : 30_000 / (keyColumns.count + 1)
        for start in stride(from: 0, to: entries.count, by: rowsPerStatement) {
            let chunk = entries[start..<min(start + rowsPerStatement, entries.count)]
            switch pool.dialect.flavor {
            case .postgres:
                // One array per column: the statement has the same few parameters whatever the
                // batch size, so PostgreSQL parses it once and binds cheaply.
                let names = keyColumns.indices.map { "k\($0)" }
                var arrays: [SQLQueryString] = keyColumns.indices.map { index in
                    "CAST(\(bind: chunk.map { $0.key[index] }) AS text[])"
                }
                arrays.append("CAST(\(bind: chunk.map(\.value)) AS bigint[])")
                let casts = zip(names, keyTypes).map { "CAST(\($0) AS \($1))" } + ["v"]
                try await db.raw(
                    "\(unsafeRaw: insert) SELECT \(unsafeRaw: casts.joined(separator: ", ")) FROM unnest("
                        + arrays.joined(separator: ", ")
                        + ") AS u(\(unsafeRaw: (names + ["v"]).joined(separator: ", ")))" + onConflict
                ).run()
            case .sqlite:
                let tuples: [SQLQueryString] = chunk.map { key, count in
                    "(" + (key.map { "\(bind: $0)" } + ["\(bind: count)"]).joined(separator: ", ") + ")"
                }
                try await db.raw("\(unsafeRaw: insert) VALUES " + tuples.joined(separator: ", ") + onConflict).run()
            }
        }
        return entries.count
    }
}
