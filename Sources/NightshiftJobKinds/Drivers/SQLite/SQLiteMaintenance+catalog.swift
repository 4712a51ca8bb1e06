import SQLKit

extension SQLiteMaintenance {
    func columns(of table: SQLName, on db: any SQLDatabase) async throws -> [CatalogColumn] {
        guard table.parts.count == 1 else { throw MaintenanceError.invalidName(table.text) }
        return try await db.raw("SELECT name, type, pk FROM pragma_table_info(\(bind: table.baseName)) ORDER BY cid").all().map {
            row in
            CatalogColumn(
                name: try row.decode(column: "name", as: String.self), type: try row.decode(column: "type", as: String.self),
                isKey: try row.decode(column: "pk", as: Int.self) > 0)
        }
    }

    /// Chunks walk `rowid` on SQLite, so index leaders are not needed.
    func indexLeaders(of table: SQLName, on db: any SQLDatabase) async throws -> Set<String> { [] }
}
