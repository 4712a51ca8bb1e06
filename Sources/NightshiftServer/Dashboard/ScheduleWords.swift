import Foundation
import Nightshift

/// A schedule in words for people ("every 6 hours", "at 03:00 on weekdays"), for the common
/// shapes; anything else is shown as written.
enum ScheduleWords {
    static func describe(_ schedule: String?) -> String {
        guard let schedule else { return "on demand" }
        let text = schedule.trimmingCharacters(in: .whitespaces)
        let macros = [
            "@hourly": "every hour", "@daily": "every day at 00:00", "@midnight": "every day at 00:00",
            "@weekly": "every Sunday at 00:00", "@monthly": "on the 1st of every month at 00:00",
            "@yearly": "every 1 January at 00:00", "@annually": "every 1 January at 00:00",
        ]
        if let words = macros[text.lowercased()] { return words }
        if text.lowercased().hasPrefix("@every") {
            let duration = text.dropFirst("@every".count).trimmingCharacters(in: .whitespaces)
            guard let seconds = try? DurationText.seconds(duration) else { return text }
            return "every \(DurationText.format(seconds))"
        }
        let fields = text.split(separator: " ").map(String.init)
        if fields.count == 6 { return describeWithSeconds(fields, text: text) }
        guard fields.count == 5 else { return text }
        let (minute, hour, day, month, weekday) = (fields[0], fields[1], fields[2], fields[3], fields[4])
        guard day == "*", month == "*" else { return text }
        let days: String
        switch weekday {
        case "*": days = ""
        case "1-5", "MON-FRI", "mon-fri": days = " on weekdays"
        case "0,6", "6,0", "SAT,SUN", "sat,sun": days = " on weekends"
        default:
            let names = [
                "0": "Sunday", "1": "Monday", "2": "Tuesday", "3": "Wednesday", "4": "Thursday", "5": "Friday", "6": "Saturday",
                "7": "Sunday",
            ]
            guard let name = names[weekday] else { return text }
            days = " on \(name)s"
        }
        if minute == "*", hour == "*" { return "every minute\(days)" }
        if minute.hasPrefix("*/"), hour == "*", let step = Int(minute.dropFirst(2)) { return "every \(step) minutes\(days)" }
        guard let minuteNumber = Int(minute), (0...59).contains(minuteNumber) else { return text }
        if hour == "*" { return "every hour at :\(String(format: "%02d", minuteNumber))\(days)" }
        if hour.hasPrefix("*/"), let step = Int(hour.dropFirst(2)) {
            return "every \(step) hours at :\(String(format: "%02d", minuteNumber))\(days)"
        }
        let hours = hour.split(separator: ",").compactMap { Int($0) }
        guard !hours.isEmpty, hours.count == hour.split(separator: ",").count, hours.allSatisfy({ (0...23).contains($0) }) else {
            return text
        }
        let times = hours.map { String(format: "%02d:%02d", $0, minuteNumber) }.joined(separator: " and ")
        return "at \(times)\(days.isEmpty ? " every day" : days)"
    }

    /// A 6-field cron (seconds first): every second or every N seconds, else the 5 fields after
    /// the seconds in words and the second they fire at.
    private static func describeWithSeconds(_ fields: [String], text: String) -> String {
        let second = fields[0]
        let rest = fields.dropFirst().joined(separator: " ")
        if rest == "* * * * *" {
            if second == "*" { return "every second" }
            if second.hasPrefix("*/"), let step = Int(second.dropFirst(2)) { return "every \(step) seconds" }
        }
        guard let number = Int(second), (0...59).contains(number) else { return text }
        let words = describe(rest)
        guard words != rest else { return text }
        return number == 0 ? words : "\(words), at second \(number)"
    }
}

extension Dashboard {
    /// A schedule in words, as the dashboard shows it ("every 6 hours at :00").
    public static func describeSchedule(_ schedule: String?) -> String { ScheduleWords.describe(schedule) }
}
