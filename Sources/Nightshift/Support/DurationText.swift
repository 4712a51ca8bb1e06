/// Parses and prints durations written the way people write them in config files:
/// `500ms`, `30s`, `10m`, `2h`, `90d`, `1w`, `12mo` (30-day months), `1y` (365 days), and
/// sums such as `1h30m`.
import Foundation

package enum DurationText {
    // "ms" and "mo" come before "m" and "s" so that the longest suffix wins.
    private static let units: [(suffix: String, seconds: Double)] = [
        ("ms", 0.001), ("mo", 2_592_000), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800), ("y", 31_536_000),
    ]

    /// The words of the units, for ``words(_:)``.
    private static let unitWords = [
        "ms": "millisecond", "mo": "month", "s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "y": "year",
    ]

    /// `text` (a duration as written, one number and one unit) in words: `12mo` → `12 months`,
    /// `90d` → `90 days`; nil for anything else (sums, decimals).
    package static func words(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber }
        guard let count = Int(digits), let word = unitWords[String(trimmed.dropFirst(digits.count))] else { return nil }
        return "\(count) \(word)\(count == 1 ? "" : "s")"
    }

    /// The longest duration accepted: 100 years.
    package static let maximumSeconds: Double = 100 * 365 * 86_400

    /// The number of seconds `text` stands for; throws ``DurationTextError`` when it is not a
    /// positive duration with units.
    package static func seconds(_ text: String) throws(DurationTextError) -> Double {
        var total = 0.0
        var number = ""
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var index = trimmed.startIndex
        guard !trimmed.isEmpty else { throw DurationTextError(text: text) }
        while index < trimmed.endIndex {
            let character = trimmed[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = trimmed.index(after: index)
                continue
            }
            guard let value = Double(number),
                let unit = units.first(where: { trimmed[index...].hasPrefix($0.suffix) })
            else { throw DurationTextError(text: text) }
            total += value * unit.seconds
            number = ""
            index = trimmed.index(index, offsetBy: unit.suffix.count)
        }
        // Longer than a century is a typo, and would overflow the clocks it is handed to.
        guard number.isEmpty, total > 0, total <= maximumSeconds else { throw DurationTextError(text: text) }
        return total
    }

    /// How long something took, for logs: `1.9ms`, `2.31s`, or ``format(_:)``'s form from a
    /// minute on (Swift's own `0.001937874 seconds` was hard to read and to filter on).
    package static func elapsed(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return format(seconds) }
        if seconds < 1 { return String(format: "%.1fms", seconds * 1000) }
        if seconds < 60 { return String(format: "%.2fs", seconds) }
        return format(seconds)
    }

    /// A short form of `seconds` such as `90s`, `10m` or `1h30m`.
    package static func format(_ seconds: Double) -> String {
        // Not a duration anyone wrote; converting it to a whole number would trap.
        guard seconds.isFinite, abs(seconds) <= maximumSeconds * 10 else { return "\(seconds)s" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        var remaining = Int(seconds.rounded())
        var parts = ""
        for (suffix, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where remaining >= size {
            parts += "\(remaining / size)\(suffix)"
            remaining %= size
        }
        return parts
    }
}

/// A duration that could not be read.
package struct DurationTextError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text as written.
    package let text: String

    package var description: String {
        "'\(text)' is not a duration; write a number with a unit, such as 500ms, 30s, 10m, 2h, 90d, 12mo or 1h30m (at most 100 years)"
    }
}
