import Foundation
import NightshiftDatabase
import SQLKit

/// SQL for comparing a table's time column with an instant, whatever form the column has:
/// `timestamptz`, `timestamp` (read as UTC) or `date` on PostgreSQL; ISO text or Unix seconds
/// on SQLite, which has no time type.
struct TimeColumn: Sendable {
    let name: String
    let flavor: SQLDialectFragments.Flavor
    /// PostgreSQL: whether the column holds instants (`timestamptz`) rather than UTC wall times.
    let holdsInstants: Bool

    /// The column `name` of `schema`; throws when PostgreSQL keeps it in a form that is not a time.
    init(_ name: String, in schema: TableSchema, flavor: SQLDialectFragments.Flavor) throws(MaintenanceError) {
        try schema.require([name])
        self.name = name
        self.flavor = flavor
        let type = schema.columns[name, default: ""].lowercased()
        holdsInstants = type == "timestamp with time zone"
        if flavor == .postgres, !type.hasPrefix("timestamp"), type != "date" {
            throw .unsupported(
                "column '\(name)' of '\(schema.table)' is \(type), not a timestamp or date; time-based jobs need one")
        }
    }

    private var quoted: String { "\"\(name)\"" }

    /// `column <op> instant`, written so that PostgreSQL can use an index on the column.
    func compare(_ operation: String, _ instant: Date) -> SQLQueryString {
        switch flavor {
        case .postgres:
            return holdsInstants
                ? "\(unsafeRaw: quoted) \(unsafeRaw: operation) \(bind: instant)"
                : "\(unsafeRaw: quoted) \(unsafeRaw: operation) (CAST(\(bind: instant) AS timestamptz) AT TIME ZONE 'UTC')"
        case .sqlite:
            let julian = instant.timeIntervalSince1970 / 86_400 + 2_440_587.5
            return """
                (CASE WHEN typeof(\(unsafeRaw: quoted)) IN ('integer', 'real') THEN \(unsafeRaw: quoted) \(unsafeRaw: operation) \(bind: instant.timeIntervalSince1970) \
                ELSE julianday(\(unsafeRaw: quoted)) \(unsafeRaw: operation) \(bind: julian) END)
                """
        }
    }

    /// The column as an instant: `timestamptz` on PostgreSQL, UTC `YYYY-MM-DD HH:MM:SS` text on SQLite.
    var instant: String {
        switch flavor {
        case .postgres: return holdsInstants ? quoted : "(\(quoted) AT TIME ZONE 'UTC')"
        case .sqlite:
            return
                "(CASE WHEN typeof(\(quoted)) IN ('integer', 'real') THEN datetime(\(quoted), 'unixepoch') ELSE datetime(\(quoted)) END)"
        }
    }
}
