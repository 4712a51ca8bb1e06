import Foundation
import SQLKit

/// SQL for comparing a table's time column with an instant, whatever form the column has:
/// `timestamptz`, `timestamp` (read as UTC) or `date` on PostgreSQL; ISO text or Unix seconds
/// on SQLite, which has no time type.
struct TimeColumn: Sendable {
    let name: String
    /// PostgreSQL: whether the column holds instants (`timestamptz`) rather than UTC wall times.
    let holdsInstants: Bool
    private let sql: any TimeColumnSQL

    /// The column `name` of `schema`; throws when the database keeps it in a form that is not a time.
    init(_ name: String, in schema: TableSchema, sql: any TimeColumnSQL) throws(MaintenanceError) {
        try schema.require([name])
        self.name = name
        self.sql = sql
        let type = schema.columns[name, default: ""].lowercased()
        holdsInstants = type == "timestamp with time zone"
        try sql.checkTimeType(type, column: name, table: schema.table)
    }

    /// The column's name, quoted.
    var quoted: String { "\"\(name)\"" }

    /// `column <op> instant`, written so that an index on the column can serve it.
    func compare(_ operation: String, _ instant: Date) -> SQLQueryString {
        sql.compare(self, operation, instant)
    }

    /// The column as an instant: `timestamptz` on PostgreSQL, UTC `YYYY-MM-DD HH:MM:SS` text on SQLite.
    var instant: String { sql.instant(of: self) }
}
