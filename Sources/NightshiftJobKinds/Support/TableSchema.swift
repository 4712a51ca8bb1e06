import NightshiftDatabase
import SQLKit

/// The columns and primary key of an existing table, read from the database's catalog so
/// that jobs fail with a clear error naming a missing table or column before they change anything.
public struct TableSchema: Sendable {
    /// The table.
    public let table: SQLName
    /// Column names to their declared types, as the database spells them.
    public let columns: [String: String]
    /// The column names in table order.
    public let columnOrder: [String]
    /// The primary key's columns, in table order; empty when there is none.
    public let primaryKey: [String]
    /// Columns that lead an index (PostgreSQL only; empty on SQLite).
    public let indexLeaders: Set<String>

    /// Reads `table`'s schema; throws ``MaintenanceError/missingTable(_:database:)`` when there is no such table.
    public static func read(_ table: SQLName, on pool: SQLConnectionPool, database: String) async throws -> TableSchema {
        let catalog = pool.maintenance
        let (rows, leaders) = try await pool.withDatabase { db in
            let rows = try await catalog.columns(of: table, on: db)
            return (rows, rows.isEmpty ? [] : try await catalog.indexLeaders(of: table, on: db))
        }
        guard !rows.isEmpty else { throw MaintenanceError.missingTable(table.text, database: database) }
        return TableSchema(
            table: table, columns: Dictionary(rows.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first }),
            columnOrder: rows.map(\.name), primaryKey: rows.filter(\.isKey).map(\.name), indexLeaders: leaders)
    }

    /// Throws ``MaintenanceError/missingColumn(_:table:)`` unless every one of `names` is a column.
    public func require(_ names: [String]) throws(MaintenanceError) {
        for name in names where columns[name] == nil {
            throw .missingColumn(name, table: table.text, known: columnOrder)
        }
    }
}
