import SQLKit

extension SQLiteMaintenance {
    var counterDateType: String { "text" }

    func dateEquals(_ column: String, _ day: String) -> SQLQueryString {
        "\(unsafeRaw: column) = \(bind: day)"
    }

    /// SQLite allows 32,766 parameters per statement.
    func rowsPerStatement(columns: Int) -> Int { 30_000 / columns }

    func upsert(
        _ rows: ArraySlice<(key: [String], values: [Int64])>, insert: String, onConflict: SQLQueryString, keyTypes: [String],
        on db: any SQLDatabase
    ) async throws {
        let tuples: [SQLQueryString] = rows.map { key, counts in
            "(" + (key.map { "\(bind: $0)" } + counts.map { "\(bind: $0)" }).joined(separator: ", ") + ")"
        }
        try await db.raw("\(unsafeRaw: insert) VALUES " + tuples.joined(separator: ", ") + onConflict).run()
    }
}
