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

    @Test("today and yesterday are the local days of now and the day before, in the job's zone")
    func todayAndYesterday() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        // 00:30 in Berlin on 30 March, still the 29th in UTC.
        let now = Date(timeIntervalSince1970: 1_774_823_400)
        let days = try DateWindow.days(from: "yesterday", through: "today", in: berlin, now: now)
        #expect(days.map { $0.dayLabel(in: berlin) } == ["2026-03-29", "2026-03-30"])
        #expect(days[0].to.timeIntervalSince(days[0].from) == 23 * 3600)
        #expect(try DateWindow.days(from: "TODAY", through: "today", in: berlin, now: now).count == 1)
    }
}
