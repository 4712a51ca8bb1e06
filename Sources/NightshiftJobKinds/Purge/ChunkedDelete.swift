import Foundation
import NightshiftDatabase
import SQLKit

/// Deletes the rows of one table whose time column is before a cutoff, in chunks that are each a
/// short transaction, so that writers to the same table never wait long.
///
/// Chunks walk the table in key order (on PostgreSQL the time column when an index leads with
/// it, else the primary key when it is one column, else `ctid`; on SQLite `rowid`): each chunk
/// starts after the last key of the one before, so the walk never rereads rows it has passed.
struct ChunkedDelete: Sendable {
    let pool: SQLConnectionPool
    let schema: TableSchema
    let timeColumn: TimeColumn
    let cutoff: Date
    let filter: String?
    let batchSize: Int

    /// Exactly the rows a run would delete now; reads only, so a SELECT-only role may dry-run.
    func count() async throws -> Int {
        try await pool.withDatabase { db in
            try await db.raw("SELECT count(*) AS n FROM \(unsafeRaw: schema.table.quoted) WHERE \(condition)").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// Deletes every matching row and returns how many went. With `archive`, each chunk's rows
    /// are written and synced to it before the chunk's transaction commits.
    func run(archive: GzipNDJSONWriter?, afterChunk: @Sendable (Int) throws -> Void) async throws -> Int {
        var lastKey: String?
        var total = 0
        while true {
            let chunk = try await pool.withCountingTransaction { db, execute in
                try await deleteChunk(after: lastKey, on: db, execute: execute, archive: archive)
            }
            guard let upper = chunk.upperKey else { break }
            lastKey = upper
            total += chunk.deleted
            try afterChunk(total)
        }
        return total
    }

    /// The rows before the cutoff that also match the configured `where`.
    var condition: SQLQueryString {
        var sql = timeColumn.compare("<", cutoff)
        if let filter { sql += " AND (\(unsafeRaw: filter))" }
        return sql
    }

    /// Finds the last key of the next `batchSize` matching rows, then deletes every matching row
    /// up to it by a key range, as a plain `DELETE` would; rows sharing that last key all go in
    /// this chunk (`<=`), so the next may start after it.
    private func deleteChunk(
        after lastKey: String?, on db: any SQLDatabase, execute: CountingExecutor, archive: GzipNDJSONWriter?
    ) async throws -> (deleted: Int, upperKey: String?) {
        let table = schema.table.quoted
        let sql = pool.maintenance
        let (keyColumn, keyType) = sql.chunkKey(of: schema, timeColumn: timeColumn)
        func keyValue(_ text: String) -> SQLQueryString { sql.keyValue(text, type: keyType) }
        var range: SQLQueryString = "\(condition)"
        if let lastKey { range = "\(unsafeRaw: keyColumn) > " + keyValue(lastKey) + " AND \(range)" }
        let bound: SQLQueryString = """
            SELECT CAST(max(k) AS text) AS upper FROM \
            (SELECT \(unsafeRaw: keyColumn) AS k FROM \(unsafeRaw: table) WHERE \(range) ORDER BY \(unsafeRaw: keyColumn) LIMIT \(literal: batchSize)) chunk
            """
        guard let row = try await db.raw(bound).first(), try !row.decodeNil(column: "upper") else { return (0, nil) }
        let upper = try row.decode(column: "upper", as: String.self)
        let delete: SQLQueryString =
            "DELETE FROM \(unsafeRaw: table) WHERE \(range) AND \(unsafeRaw: keyColumn) <= " + keyValue(upper)
        guard let archive else { return (try await execute(delete), upper) }
        let document = sql.rowDocument(of: schema)
        let lines = try await db.raw(delete + " RETURNING \(unsafeRaw: document) AS doc").all().map {
            try $0.decode(column: "doc", as: String.self)
        }
        try archive.write(lines)
        try archive.flush()
        return (lines.count, upper)
    }
}
