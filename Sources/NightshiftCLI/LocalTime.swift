import Foundation
import Nightshift

/// Times as the CLI's tables print them: in the job's own time zone with its offset
/// (`2026-03-29 03:00:00 +02:00`), or in UTC with `--utc`. A Europe/Berlin job's next fire read
/// as UTC looked an hour or two off. The `--json` output keeps ISO 8601 in UTC, as the API does.
struct LocalTime {
    /// Whether to print UTC instead.
    let utc: Bool
    /// One formatter per zone: a table of a thousand runs made two thousand otherwise.
    private let formatters = Formatters()

    private final class Formatters {
        var byZone: [String: DateFormatter] = [:]
    }

    init(utc: Bool) {
        self.utc = utc
    }

    /// `iso` (ISO 8601, as the reports carry it) in `zone`; `-` for nil; the text unchanged when
    /// it is not an ISO instant or `zone` is unknown.
    func text(_ iso: String?, zone: String) -> String {
        guard let iso else { return "-" }
        guard !utc, let date = ISO8601Format.date(from: iso) else { return iso }
        if let formatter = formatters.byZone[zone] { return formatter.string(from: date) }
        guard let timeZone = TimeZone(identifier: zone) else { return iso }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss xxx"
        formatters.byZone[zone] = formatter
        return formatter.string(from: date)
    }
}
