import Foundation
import SQLKit

/// `timestamptz` holds instants; `timestamp` and `date` are read as UTC wall times.
extension PostgresMaintenance {
    func checkTimeType(_ type: String, column: String, table: SQLName) throws(MaintenanceError) {
        guard type.hasPrefix("timestamp") || type == "date" else {
            throw .unsupported("column '\(column)' of '\(table)' is \(type), not a timestamp or date; time-based jobs need one")
        }
    }

    func compare(_ column: TimeColumn, _ operation: String, _ instant: Date) -> SQLQueryString {
        column.holdsInstants
            ? "\(unsafeRaw: column.quoted) \(unsafeRaw: operation) \(bind: instant)"
            : "\(unsafeRaw: column.quoted) \(unsafeRaw: operation) (CAST(\(bind: instant) AS timestamptz) AT TIME ZONE 'UTC')"
    }

    func instant(of column: TimeColumn) -> String {
        column.holdsInstants ? column.quoted : "(\(column.quoted) AT TIME ZONE 'UTC')"
    }
}
