import Foundation

/// A half-open span of time `[from, to)` that a run works on: a backfill day, or the `--from`
/// and `--to` of a manual run.
public struct DateWindow: Equatable, Sendable, Codable {
    /// The first instant inside the window.
    public var from: Date
    /// The first instant after the window.
    public var to: Date

    /// A window from `from` up to, not including, `to`.
    public init(from: Date, to: Date) {
        self.from = from
        self.to = to
    }

    /// The most days ``days(from:through:in:atMost:)`` builds unless told otherwise: ten years.
    public static let maximumDays = 3_660

    /// The calendar days of `[firstDay, lastDay]` in `timeZone`, each as its own window.
    /// `firstDay` and `lastDay` are `YYYY-MM-DD`, `today` or `yesterday` (the day of `now` in
    /// `timeZone`, or the one before, as a nightly job's scripts say); throws ``DateWindowError`` when they are not,
    /// or when the range spans more than `limit` days (checked before any window is built: a
    /// range from year 1 to 9999 used to build 3.65 million of them).
    public static func days(
        from firstDay: String, through lastDay: String, in timeZone: TimeZone, atMost limit: Int = maximumDays,
        now: Date = Date()
    ) throws(DateWindowError) -> [DateWindow] {
        let start = try dayStart(firstDay, in: timeZone, now: now)
        let end = try dayStart(lastDay, in: timeZone, now: now)
        guard start <= end else { throw DateWindowError(reason: "\(firstDay) is after \(lastDay)") }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // Days apart plus one, rounded up across a change of UTC offset.
        let span = Int((end.timeIntervalSince(start) / 86_400).rounded()) + 1
        guard span <= limit else {
            throw DateWindowError(
                reason: "\(firstDay) to \(lastDay) spans \(span) days; a range may span at most \(limit)", isTooLong: true)
        }
        var windows: [DateWindow] = []
        windows.reserveCapacity(span)
        var day = start
        while day <= end, let next = calendar.date(byAdding: .day, value: 1, to: day) {
            windows.append(DateWindow(from: day, to: next))
            day = next
        }
        return windows
    }

    /// The local day the window starts on, as `YYYY-MM-DD` in `timeZone`.
    public func dayLabel(in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: from)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    private static func dayStart(_ text: String, in timeZone: TimeZone, now: Date) throws(DateWindowError) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        switch text.lowercased() {
        case "today": return calendar.startOfDay(for: now)
        case "yesterday":
            let today = calendar.startOfDay(for: now)
            return calendar.date(byAdding: .day, value: -1, to: today).map { calendar.startOfDay(for: $0) } ?? today
        default: break
        }
        let pieces = text.split(separator: "-").compactMap { Int($0) }
        guard pieces.count == 3, text.count == 10,
            let date = calendar.date(from: DateComponents(year: pieces[0], month: pieces[1], day: pieces[2])),
            calendar.dateComponents([.year, .month, .day], from: date)
                == DateComponents(year: pieces[0], month: pieces[1], day: pieces[2])
        else { throw DateWindowError(reason: "'\(text)' is not a date; write YYYY-MM-DD, today or yesterday") }
        return calendar.startOfDay(for: date)
    }
}

/// A date or date range that could not be read.
public struct DateWindowError: BadInput, Equatable, Sendable {
    /// What is wrong, naming the text as written.
    public let reason: String
    /// Whether the range was refused for spanning too many days.
    public var isTooLong = false
    public var description: String { reason }
}
