import SQLKit

extension PostgresMaintenance {
    var counterDateType: String { "date" }

    func dateEquals(_ column: String, _ day: String) -> SQLQueryString {
        "\(unsafeRaw: column) = CAST(\(bind: day) AS date)"
    }

    func rowsPerStatement(columns: Int) -> Int { 5000 }

    /// One array per column: the statement has the same few parameters whatever the batch
    /// size, so PostgreSQL parses it once and binds cheaply.
    func upsert(
        _ rows: ArraySlice<(key: [String], values: [Int64])>, insert: String, onConflict: SQLQueryString, keyTypes: [String],
        on db: any SQLDatabase
    ) async throws {
        let names = keyTypes.indices.map { "k\($0)" }
        var arrays: [SQLQueryString] = keyTypes.indices.map { index in "CAST(\(bind: rows.map { $0.key[index] }) AS text[])" }
        let valueNames = rows.first.map { $0.values.indices.map { "v\($0)" } } ?? []
        arrays += valueNames.indices.map { index in "CAST(\(bind: rows.map { $0.values[index] }) AS bigint[])" }
        let casts = zip(names, keyTypes).map { "CAST(\($0) AS \($1))" } + valueNames
        try await db.raw(
            "\(unsafeRaw: insert) SELECT \(unsafeRaw: casts.joined(separator: ", ")) FROM unnest("
                + arrays.joined(separator: ", ")
                + ") AS u(\(unsafeRaw: (names + valueNames).joined(separator: ", ")))" + onConflict
        ).run()
    }
}
