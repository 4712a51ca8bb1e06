import Foundation
import Testing

@testable import Nightshift

@Suite struct DateWindowTests {
    let utc = TimeZone(identifier: "UTC")!

    @Test("a range is checked against its bound before any window is built")
    func boundBeforeBuilding() {
        // Year 1 to 9999 used to build 3.65 million windows on the caller's thread first.
        #expect {
            try DateWindow.days(from: "0001-01-01", through: "9999-12-31", in: utc, atMost: 366)
        } throws: { error in
            (error as? DateWindowError)?.isTooLong == true && "\(error)".contains("at most 366")
        }
        #expect(throws: DateWindowError.self) { try DateWindow.days(from: "0001-01-01", through: "9999-12-31", in: utc) }
        #expect(throws: Never.self) { try DateWindow.days(from: "2024-01-01", through: "2024-12-31", in: utc, atMost: 366) }
    }

    @Test("days across a change of UTC offset count once each")
    func daysAcrossDST() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let days = try DateWindow.days(from: "2026-03-28", through: "2026-03-30", in: berlin, atMost: 3)
        #expect(days.count == 3)
        #expect(days[1].to.timeIntervalSince(days[1].from) == 23 * 3600)
    }
}
