import Foundation
import NightshiftSQL
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
            let chunk = try await pool.withTransaction { db in
                try await deleteChunk(after: lastKey, on: db, archive: archive)
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

    /// The column chunks are ranges of. On PostgreSQL an indexed time column comes first: its
    /// index finds the old rows directly, where walking the primary key could make the planner
    /// rescan the index of the time column for every chunk.
    private var key: (column: String, type: String) {
        switch pool.dialect.flavor {
        case .postgres:
            if schema.indexLeaders.contains(timeColumn.name), let type = schema.columns[timeColumn.name] {
                return ("\"\(timeColumn.name)\"", type)
            }
            if schema.primaryKey.count == 1, let type = schema.columns[schema.primaryKey[0]] {
                return ("\"\(schema.primaryKey[0])\"", type)
            }
            return ("ctid", "tid")
        case .sqlite:
            return ("rowid", "integer")
        }
    }

    private func deleteChunk(after lastKey: String?, on db: any SQLDatabase, archive: GzipNDJSONWriter?) async throws
        -> (deleted: Int, upperKey: String?)
    {
        let table = schema.table.quoted
        let (keyColumn, keyType) = key
        var range: SQLQueryString = "\(condition)"
        if let lastKey {
            range = pool.dialect.flavor == .postgres
                ? "\(unsafeRaw: keyColumn) > CAST(\(bind: lastKey) AS \(unsafeRaw: keyType)) AND \(range)"
                : "\(unsafeRaw: keyColumn) > \(bind: Int(lastKey) ?? 0) AND \(range)"
        }
        let upperSQL: SQLQueryString = """
            SELECT CAST(max(k) AS text) AS upper FROM \
            (SELECT \(unsafeRaw: keyColumn) AS k FROM \(unsafeRaw: table) WHERE \(range) ORDER BY \(unsafeRaw: keyColumn) LIMIT \(literal: batchSize)) chunk
            """
        guard let row = try await db.raw(upperSQL).first(), try !row.decodeNil(column: "upper") else { return (0, nil) }
        let upper = try row.decode(column: "upper", as: String.self)
        let bound: SQLQueryString = pool.dialect.flavor == .postgres
            ? "\(unsafeRaw: keyColumn) <= CAST(\(bind: upper) AS \(unsafeRaw: keyType))"
            : "\(unsafeRaw: keyColumn) <= \(bind: Int(upper) ?? 0)"
        let delete: SQLQueryString = "DELETE FROM \(unsafeRaw: table) WHERE \(range) AND \(bound)"
        guard let archive else {
            // Only the count comes back, not a row per deleted row.
            let counted: SQLQueryString = pool.dialect.flavor == .postgres
                ? "WITH gone AS (" + delete + " RETURNING 1) SELECT count(*) AS n FROM gone"
                : "SELECT changes() AS n"
            if pool.dialect.flavor == .sqlite { try await db.raw(delete).run() }
            return (try await db.raw(counted).first()?.decode(column: "n", as: Int.self) ?? 0, upper)
        }
        let document: String
        switch pool.dialect.flavor {
        case .postgres:
            document = "row_to_json(\(table).*)::text"
        case .sqlite:
            document = "json_object(" + schema.columnOrder.map { "'\($0)', \"\($0)\"" }.joined(separator: ", ") + ")"
        }
        let lines = try await db.raw(delete + " RETURNING \(unsafeRaw: document) AS doc").all().map {
            try $0.decode(column: "doc", as: String.self)
        }
        try archive.write(lines)
        try archive.flush()
        return (lines.count, upper)
    }
}
