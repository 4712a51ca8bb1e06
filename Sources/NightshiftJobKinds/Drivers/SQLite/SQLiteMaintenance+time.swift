import Foundation
import SQLKit

/// A time column holds ISO text or Unix seconds, row by row.
extension SQLiteMaintenance {
    func checkTimeType(_ type: String, column: String, table: SQLName) throws(MaintenanceError) {}

    func compare(_ column: TimeColumn, _ operation: String, _ instant: Date) -> SQLQueryString {
        let julian = instant.timeIntervalSince1970 / 86_400 + 2_440_587.5
        return """
            (CASE WHEN typeof(\(unsafeRaw: column.quoted)) IN ('integer', 'real') THEN \(unsafeRaw: column.quoted) \(unsafeRaw: operation) \(bind: instant.timeIntervalSince1970) \
            ELSE julianday(\(unsafeRaw: column.quoted)) \(unsafeRaw: operation) \(bind: julian) END)
            """
    }

    func instant(of column: TimeColumn) -> String {
        let quoted = column.quoted
        return
            "(CASE WHEN typeof(\(quoted)) IN ('integer', 'real') THEN datetime(\(quoted), 'unixepoch') ELSE datetime(\(quoted)) END)"
    }
}
