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
        let rows: [(name: String, type: String, isKey: Bool)] = try await pool.withDatabase { db in
            switch pool.dialect.flavor {
            case .postgres:
                return try await db.raw(
                    """
                    SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
                           EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary
                                   AND a.attnum = ANY(i.indkey)) AS is_key
                    FROM pg_attribute a
                    WHERE a.attrelid = to_regclass(\(bind: table.quoted)) AND a.attnum > 0 AND NOT a.attisdropped
                    ORDER BY a.attnum
                    """
                ).all().map { row in
                    (
                        try row.decode(column: "name", as: String.self), try row.decode(column: "type", as: String.self),
                        try row.decode(column: "is_key", as: Bool.self)
                    )
                }
            case .sqlite:
                guard table.parts.count == 1 else { throw MaintenanceError.invalidName(table.text) }
                return try await db.raw("SELECT name, type, pk FROM pragma_table_info(\(bind: table.baseName)) ORDER BY cid")
                    .all()
                    .map { row in
                        (
                            try row.decode(column: "name", as: String.self), try row.decode(column: "type", as: String.self),
                            try row.decode(column: "pk", as: Int.self) > 0
                        )
                    }
            }
        }
        guard !rows.isEmpty else { throw MaintenanceError.missingTable(table.text, database: database) }
        var leaders: Set<String> = []
        if pool.dialect.flavor == .postgres {
            leaders = Set(
                try await pool.withDatabase { db in
                    try await db.raw(
                        """
                        SELECT a.attname AS name FROM pg_index i
                        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                        WHERE i.indrelid = to_regclass(\(bind: table.quoted)) AND i.indpred IS NULL
                        """
                    ).all().map { try $0.decode(column: "name", as: String.self) }
                })
        }
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
