import Foundation
import SQLKit

/// How a driver compares a table's time column with an instant (``TimeColumn``).
protocol TimeColumnSQL: Sendable {
    /// Throws when a column of type `type` cannot hold times on this database.
    func checkTimeType(_ type: String, column: String, table: SQLName) throws(MaintenanceError)
    /// `column <operation> instant`, written so that an index on the column can serve it.
    func compare(_ column: TimeColumn, _ operation: String, _ instant: Date) -> SQLQueryString
    /// The column as an instant (`timestamptz` on PostgreSQL, UTC text on SQLite).
    func instant(of column: TimeColumn) -> String
}
