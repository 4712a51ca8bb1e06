import Foundation
import NightshiftTestSupport
import NightshiftTesting
import PropertyBased
import Testing

@testable import Nightshift

/// Every parser of outside text answers bad input with an error, never a trap: random
/// near-misses of each format, many times over (more with `NIGHTSHIFT_FUZZ_COUNT`).
@Suite struct ParsersNeverTrapTests {
    static let pieces = [
        "0", "1", "9", "59", "60", "61", "99999999999999999999", "-1", "*", "/", ",", "-", " ", "?", "L", "W", "#", "mon", "jan",
        "@daily", "s", "ms", "m", "h", "d", "w", ".", "1e308", "nan", "inf", "٣", "\u{0}", "é", "postgres://", "redis://", ":",
        "@", "/", "u", "p", "host", "5432", "2026", "-02-30", "-13-01", "T", "Z",
    ]

    @Test("cron, durations, dates and the URL mask refuse what they cannot read")
    func neverTrap() async {
        await propertyCheck(count: FuzzBudget.count, input: Gen.element(of: Self.pieces).array(of: 1...12)) { parts in
            let text = parts.compactMap { $0 }.joined()
            _ = try? Schedule(text)
            _ = try? Schedule(parts.compactMap { $0 }.joined(separator: " "))
            _ = try? DurationText.seconds(text)
            _ = DurationText.format(Double(text) ?? .nan)
            _ = try? DateWindow.days(from: text, through: text, in: TimeZone(identifier: "UTC")!)
            _ = URLPasswordMask.mask(text)
        }
    }
}
