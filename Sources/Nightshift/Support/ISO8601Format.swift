import Foundation

/// The one timestamp format Nightshift prints and accepts: ISO 8601 in UTC,
/// `2026-03-08T07:00:00Z`, with milliseconds when the instant has them
/// (`2026-01-29T20:35:55.377Z`), as the API and `--json` show it.
package enum ISO8601Format {
    /// `date` as `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.sssZ`.
    package static func string(from date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = milliseconds.floorDivided(by: 1000)
        let fraction = Int(milliseconds - seconds * 1000)
        let time = CivilTime(naiveSeconds: seconds)
        let whole = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", time.year, time.month, time.day, time.hour, time.minute, time.second)
        return fraction == 0 ? whole + "Z" : whole + String(format: ".%03dZ", fraction)
    }

    /// Parses `2026-03-08T07:00:00Z`, with or without fractional seconds or an offset, or a
    /// plain date `2026-03-08` (midnight UTC).
    package static func date(from text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)) {
            return date
        }
        return try? Date(text, strategy: .iso8601.year().month().day())
    }
}
