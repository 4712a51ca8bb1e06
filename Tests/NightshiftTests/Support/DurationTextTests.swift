import Testing

@testable import Nightshift

@Suite struct DurationTextTests {
    @Test("months and years are read (30 and 365 days), and a duration as written reads back in words")
    func monthsAndWords() throws {
        #expect(try DurationText.seconds("12mo") == 12 * 30 * 86_400)
        #expect(try DurationText.seconds("1y") == 365 * 86_400)
        #expect(try DurationText.seconds("1mo2d") == 32 * 86_400)
        #expect(try DurationText.seconds("90m") == 90 * 60, "minutes stay minutes beside months")
        #expect(DurationText.words("12mo") == "12 months" && DurationText.words("1y") == "1 year")
        #expect(DurationText.words("90d") == "90 days" && DurationText.words("1h30m") == nil)
    }
}
