import SQLKit

extension SQLiteMaintenance {
    func chunkKey(of schema: TableSchema, timeColumn: TimeColumn) -> (column: String, type: String) {
        ("rowid", "integer")
    }

    func keyValue(_ text: String, type: String) -> SQLQueryString {
        "\(bind: Int(text) ?? 0)"
    }

    func rowDocument(of schema: TableSchema) -> String {
        "json_object(" + schema.columnOrder.map { "'\($0)', \"\($0)\"" }.joined(separator: ", ") + ")"
    }
}
