import Foundation

/// A parsed cron expression: 5 fields (minute hour day-of-month month day-of-week) or 6 with a
/// leading seconds field, or one of the macros `@yearly` `@annually` `@monthly` `@weekly` `@daily`
/// `@midnight` `@hourly`.
///
/// Matching follows Vixie cron: when either day field starts with `*`, both day fields must match;
/// otherwise a day matches when either does. Time zones and DST are handled by
/// ``nextFire(after:in:)``.
///
/// ```swift
/// let cron = try CronExpression("30 2 * * *")
/// let next = cron.nextFire(after: .now, in: TimeZone(identifier: "America/New_York")!)
/// ```
public struct CronExpression: Equatable, Sendable, CustomStringConvertible {
    let seconds: CronField
    let minutes: CronField
    let hours: CronField
    let daysOfMonth: CronField
    let months: CronField
    let daysOfWeek: CronField

    /// The expression as written.
    public let description: String

    /// Whether this is a job "at set times" in Debian cron's sense: neither the minute nor the
    /// hour field starts with `*`. Such a job fires once in a repeated hour and right after a
    /// skipped one; any other job follows real time.
    public var firesAtSetTimes: Bool { !minutes.startsWithStar && !hours.startsWithStar }

    private static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses `text`; throws a ``CronError`` naming the field and the reason when it is invalid,
    /// or when the expression can never fire (such as `0 0 30 2 *`).
    public init(_ text: String) throws(CronError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        description = trimmed
        var expanded = trimmed
        if trimmed.hasPrefix("@") {
            guard let macro = Self.macros[trimmed.lowercased()] else {
                throw CronError(
                    field: "expression",
                    reason: "unknown macro '\(trimmed)'; use @yearly, @monthly, @weekly, @daily, @hourly or @every <duration>")
            }
            expanded = macro
        }
        var fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        switch fields.count {
        case 5: fields.insert("0", at: 0)
        case 6: break
        default:
            throw CronError(
                field: "expression",
                reason:
                    "'\(trimmed)' has \(fields.count) fields; expected 5 (minute hour day-of-month month day-of-week) or 6 (with seconds first)"
            )
        }
        seconds = try CronField(parsing: fields[0], kind: .second)
        minutes = try CronField(parsing: fields[1], kind: .minute)
        hours = try CronField(parsing: fields[2], kind: .hour)
        daysOfMonth = try CronField(parsing: fields[3], kind: .dayOfMonth)
        months = try CronField(parsing: fields[4], kind: .month)
        daysOfWeek = try CronField(parsing: fields[5], kind: .dayOfWeek)
        guard nextMatch(fromNaive: 0) != nil else {
            throw CronError(field: "expression", reason: "'\(trimmed)' never fires (no such day)")
        }
    }

    func dayMatches(_ time: CivilTime) -> Bool {
        let domMatch = daysOfMonth.contains(time.day)
        let dowMatch = daysOfWeek.contains(time.weekday)
        if daysOfMonth.startsWithStar || daysOfWeek.startsWithStar {
            return domMatch && dowMatch
        }
        return domMatch || dowMatch
    }

    /// The first wall-clock time at or after `naive` (naive seconds) that matches every field,
    /// or nil when none does within 28 years (a full cycle of weekdays and leap years).
    func nextMatch(fromNaive naive: Int64) -> Int64? {
        var time = CivilTime(naiveSeconds: naive)
        let lastYear = time.year + 28
        while time.year <= lastYear {
            guard let month = months.first(atLeast: time.month, upTo: 12) else {
                time = CivilTime(year: time.year + 1, month: 1, day: 1)
                continue
            }
            if month != time.month { time = CivilTime(year: time.year, month: month, day: 1) }
            if !dayMatches(time) {
                time = nextDay(after: time)
                continue
            }
            guard let hour = hours.first(atLeast: time.hour, upTo: 23) else {
                time = nextDay(after: time)
                continue
            }
            if hour != time.hour { (time.hour, time.minute, time.second) = (hour, 0, 0) }
            guard let minute = minutes.first(atLeast: time.minute, upTo: 59) else {
                time = nextHour(after: time)
                continue
            }
            if minute != time.minute { (time.minute, time.second) = (minute, 0) }
            guard let second = seconds.first(atLeast: time.second, upTo: 59) else {
                time = CivilTime(
                    naiveSeconds: CivilTime(
                        year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute
                    ).naiveSeconds + 60)
                continue
            }
            time.second = second
            return time.naiveSeconds
        }
        return nil
    }

    private func nextDay(after time: CivilTime) -> CivilTime {
        CivilTime(naiveSeconds: CivilTime(year: time.year, month: time.month, day: time.day).naiveSeconds + 86_400)
    }

    private func nextHour(after time: CivilTime) -> CivilTime {
        CivilTime(naiveSeconds: CivilTime(year: time.year, month: time.month, day: time.day, hour: time.hour).naiveSeconds + 3600)
    }
}
