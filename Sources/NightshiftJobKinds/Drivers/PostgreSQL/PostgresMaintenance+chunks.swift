import SQLKit

extension PostgresMaintenance {
    /// An indexed time column comes first: its index finds the old rows directly, where walking
    /// the primary key could make the planner rescan the index of the time column for every
    /// chunk. Then a one-column primary key; else `ctid`.
    func chunkKey(of schema: TableSchema, timeColumn: TimeColumn) -> (column: String, type: String) {
        if schema.indexLeaders.contains(timeColumn.name), let type = schema.columns[timeColumn.name] {
            return ("\"\(timeColumn.name)\"", type)
        }
        if schema.primaryKey.count == 1, let type = schema.columns[schema.primaryKey[0]] {
            return ("\"\(schema.primaryKey[0])\"", type)
        }
        return ("ctid", "tid")
    }

    func keyValue(_ text: String, type: String) -> SQLQueryString {
        "CAST(\(bind: text) AS \(unsafeRaw: type))"
    }

    func rowDocument(of schema: TableSchema) -> String {
        "row_to_json(\(schema.table.quoted).*)::text"
    }
}
