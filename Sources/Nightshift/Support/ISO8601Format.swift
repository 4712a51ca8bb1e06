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
        // Built digit by digit: `String(format:)` went through Core Foundation and was a sixth
        // of the dashboard's Jobs page, which writes 6,000 of these.
        var text = ""
        text.reserveCapacity(24)
        append(time.year, digits: 4, to: &text)
        text.append("-")
        append(time.month, digits: 2, to: &text)
        text.append("-")
        append(time.day, digits: 2, to: &text)
        text.append("T")
        append(time.hour, digits: 2, to: &text)
        text.append(":")
        append(time.minute, digits: 2, to: &text)
        text.append(":")
        append(time.second, digits: 2, to: &text)
        if fraction != 0 {
            text.append(".")
            append(fraction, digits: 3, to: &text)
        }
        text.append("Z")
        return text
    }

    /// Appends `value` in decimal, zero-padded to at least `digits` digits (a sign first if negative).
    private static func append(_ value: Int, digits: Int, to text: inout String) {
        let decimal = String(value.magnitude)
        if value < 0 { text.append("-") }
        if decimal.count < digits { text.append(String(repeating: "0", count: digits - decimal.count)) }
        text.append(decimal)
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
