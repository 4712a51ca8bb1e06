import Foundation
import Testing

@testable import Nightshift

@Suite struct ISO8601FormatTests {
    @Test("times are written as Foundation writes them, to the nearest millisecond, and read back")
    func matchesFoundation() {
        var generator = SystemRandomNumberGenerator()
        let whole = Date.ISO8601FormatStyle()
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for _ in 0..<5000 {
            // Whole milliseconds from 1970 to 2199, and every tenth one a whole second.
            var milliseconds = Int64.random(in: 0...7_258_118_400_000, using: &generator)
            if milliseconds % 10 == 0 { milliseconds -= milliseconds % 1000 }
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let text = ISO8601Format.string(from: date)
            // Foundation truncates, and a millisecond as a Double may fall a hair below itself.
            let nudged = date.addingTimeInterval(0.0001)
            let expected = milliseconds % 1000 == 0 ? whole.format(nudged) : fractional.format(nudged)
            #expect(text == expected, "\(milliseconds)")
            #expect(ISO8601Format.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } == milliseconds)
        }
        #expect(ISO8601Format.string(from: Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(ISO8601Format.string(from: Date(timeIntervalSince1970: 0.007)) == "1970-01-01T00:00:00.007Z")
    }
}
