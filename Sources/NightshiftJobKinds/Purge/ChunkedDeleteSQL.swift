import SQLKit

/// How a driver walks a table in chunks and archives deleted rows (``ChunkedDelete``).
protocol ChunkedDeleteSQL: Sendable {
    /// The column chunks are ranges of, and its type.
    func chunkKey(of schema: TableSchema, timeColumn: TimeColumn) -> (column: String, type: String)
    /// The key value `text` (as `CAST(max(k) AS text)` returned it), bound for comparison.
    func keyValue(_ text: String, type: String) -> SQLQueryString
    /// An expression giving a deleted row as one JSON object text, for `RETURNING`.
    func rowDocument(of schema: TableSchema) -> String
}
