import SQLKit

extension SQLiteMaintenance {
    var counterDateType: String { "text" }

    func dateEquals(_ column: String, _ day: String) -> SQLQueryString {
        "\(unsafeRaw: column) = \(bind: day)"
    }

    /// SQLite allows 32,766 parameters per statement.
    func rowsPerStatement(keyColumns: Int) -> Int { 30_000 / (keyColumns + 1) }

    func upsert(
        _ rows: ArraySlice<(key: [String], value: Int64)>, insert: String, onConflict: SQLQueryString, keyTypes: [String],
        on db: any SQLDatabase
    ) async throws {
        let tuples: [SQLQueryString] = rows.map { key, count in
            "(" + (key.map { "\(bind: $0)" } + ["\(bind: count)"]).joined(separator: ", ") + ")"
        }
        try await db.raw("\(unsafeRaw: insert) VALUES " + tuples.joined(separator: ", ") + onConflict).run()
    }
}
