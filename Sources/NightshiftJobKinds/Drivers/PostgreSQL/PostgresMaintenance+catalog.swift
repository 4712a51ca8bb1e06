import SQLKit

extension PostgresMaintenance {
    func columns(of table: SQLName, on db: any SQLDatabase) async throws -> [CatalogColumn] {
        try await db.raw(
            """
            SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
                   EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary
                           AND a.attnum = ANY(i.indkey)) AS is_key
            FROM pg_attribute a
            WHERE a.attrelid = to_regclass(\(bind: table.quoted)) AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """
        ).all().map { row in
            CatalogColumn(
                name: try row.decode(column: "name", as: String.self), type: try row.decode(column: "type", as: String.self),
                isKey: try row.decode(column: "is_key", as: Bool.self))
        }
    }

    func indexLeaders(of table: SQLName, on db: any SQLDatabase) async throws -> Set<String> {
        Set(
            try await db.raw(
                """
                SELECT a.attname AS name FROM pg_index i
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                WHERE i.indrelid = to_regclass(\(bind: table.quoted)) AND i.indpred IS NULL
                """
            ).all().map { try $0.decode(column: "name", as: String.self) })
    }
}
