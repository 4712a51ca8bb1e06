import SQLKit

/// How a driver keeps a counter flush's table (``CounterTable``).
protocol CounterTableSQL: Sendable {
    /// The type of the date column of a counter table this job creates.
    var counterDateType: String { get }
    /// `column = day`, with `day` as `YYYY-MM-DD`.
    func dateEquals(_ column: String, _ day: String) -> SQLQueryString
    /// How many rows one upsert statement writes, for `columns` key and number columns.
    func rowsPerStatement(columns: Int) -> Int
    /// Upserts `rows` (key values → numbers) with `insert` (`INSERT INTO … (columns)`) and its
    /// `onConflict` clause; `keyTypes` are the key columns' types.
    func upsert(
        _ rows: ArraySlice<(key: [String], values: [Int64])>, insert: String, onConflict: SQLQueryString, keyTypes: [String],
        on db: any SQLDatabase
    ) async throws
}
