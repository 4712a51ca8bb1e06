import Foundation

/// When a job fires: a cron expression in a time zone, or a fixed interval (`@every 90s`).
///
/// Interval fires are aligned to multiples of the interval since the Unix epoch, so every
/// instance computes the same fire times and a restart never shifts them.
public struct Schedule: Equatable, Sendable, CustomStringConvertible {
    /// The two kinds of schedule.
    public enum Kind: Equatable, Sendable {
        /// Cron fields evaluated in the schedule's time zone.
        case cron(CronExpression)
        /// Every so many seconds, on real time.
        case every(seconds: Double)
    }

    /// What the schedule is.
    public let kind: Kind
    /// The zone the cron fields are read in (UTC unless the job says otherwise).
    public let timeZone: TimeZone
    /// The schedule as written.
    public let description: String

    /// Parses `text`: a cron expression, a macro such as `@daily`, or `@every <duration>`.
    /// Throws a ``CronError`` that names the field and the reason.
    public init(_ text: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws(CronError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        self.timeZone = timeZone
        description = trimmed
        if trimmed.lowercased().hasPrefix("@every") {
            let durationText = trimmed.dropFirst("@every".count).trimmingCharacters(in: .whitespaces)
            let seconds: Double
            do {
                seconds = try DurationText.seconds(durationText)
            } catch {
                throw CronError(field: "expression", reason: "@every needs a duration such as '@every 90s': \(error)")
            }
            guard seconds >= 1, seconds == seconds.rounded() else {
                throw CronError(field: "expression", reason: "@every takes whole seconds, at least 1s")
            }
            kind = .every(seconds: seconds)
        } else {
            kind = .cron(try CronExpression(trimmed))
        }
    }

    /// The first fire strictly after `date`.
    public func nextFire(after date: Date) -> Date? {
        switch kind {
        case .cron(let expression):
            return expression.nextFire(after: date, in: timeZone)
        case .every(let seconds):
            let index = (date.timeIntervalSince1970 / seconds).rounded(.down) + 1
            return Date(timeIntervalSince1970: index * seconds)
        }
    }

    /// Up to `limit` fires in `(start, end]`, earliest first.
    public func fires(after start: Date, through end: Date, limit: Int) -> [Date] {
        var fires: [Date] = []
        var cursor = start
        while fires.count < limit, let next = nextFire(after: cursor), next <= end {
            fires.append(next)
            cursor = next
        }
        return fires
    }

    /// The next `count` fires after `date`, earliest first.
    public func nextFires(after date: Date, count: Int) -> [Date] {
        fires(after: date, through: .distantFuture, limit: count)
    }
}

extension TimeZone {
    /// The zone's IANA name, `UTC` for UTC (which Foundation on Linux calls `GMT`).
    public var ianaName: String { identifier == "GMT" ? "UTC" : identifier }
}
