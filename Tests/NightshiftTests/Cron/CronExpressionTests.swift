import Foundation
import Testing

@testable import Nightshift

private func instant(_ text: String) -> Date { ISO8601Format.date(from: text)! }
private func fires(_ expression: String, zone: String, after: String, count: Int) throws -> [String] {
    let schedule = try Schedule(expression, timeZone: TimeZone(identifier: zone)!)
    return schedule.nextFires(after: instant(after), count: count).map(ISO8601Format.string(from:))
}

@Suite struct CronExpressionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let expression: String
        let zone: String
        let after: String
        let expected: [String]
        var testDescription: String { "\(expression) in \(zone) after \(after)" }
    }

    static let cases: [Case] = [
        Case(
            expression: "*/15 * * * *", zone: "UTC", after: "2026-01-01T00:00:00Z",
            expected: ["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z"]),
        Case(
            expression: "0 9-17/4 * * mon-fri", zone: "UTC", after: "2026-01-02T10:00:00Z",
            expected: ["2026-01-02T13:00:00Z", "2026-01-02T17:00:00Z", "2026-01-05T09:00:00Z"]),
        Case(
            expression: "30 4 1,15 * *", zone: "UTC", after: "2026-02-10T00:00:00Z",
            expected: ["2026-02-15T04:30:00Z", "2026-03-01T04:30:00Z"]),
        // Vixie: both day fields restricted, so either may match (the 13th, or any Friday).
        Case(
            expression: "0 0 13 * 5", zone: "UTC", after: "2026-02-01T00:00:00Z",
            expected: ["2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z", "2026-02-20T00:00:00Z"]),
        // A day field starting with * means both must match: Fridays that are the 13th.
        Case(
            expression: "0 0 */1 * 5", zone: "UTC", after: "2026-02-01T00:00:00Z",
            expected: ["2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z"]),
        Case(expression: "0 0 29 feb *", zone: "UTC", after: "2026-01-01T00:00:00Z", expected: ["2028-02-29T00:00:00Z"]),
        Case(expression: "@weekly", zone: "UTC", after: "2026-01-01T00:00:00Z", expected: ["2026-01-04T00:00:00Z"]),
        Case(
            expression: "@every 90s", zone: "UTC", after: "2026-01-01T00:00:10Z",
            expected: ["2026-01-01T00:01:30Z", "2026-01-01T00:03:00Z"]),
        Case(
            expression: "*/20 * * * * *", zone: "UTC", after: "2026-01-01T00:00:00Z",
            expected: ["2026-01-01T00:00:20Z", "2026-01-01T00:00:40Z", "2026-01-01T00:01:00Z"]),
        // DST, America/New_York: 02:30 does not exist on 2026-03-08; a job at set times fires at 03:00 EDT.
        Case(
            expression: "30 2 * * *", zone: "America/New_York", after: "2026-03-07T12:00:00Z",
            expected: ["2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"].filter { $0 > "2026-03-07T12" }),
        // 01:30 happens twice on 2026-11-01; a job at set times fires once, at 01:30 EDT.
        Case(
            expression: "30 1 * * *", zone: "America/New_York", after: "2026-10-31T12:00:00Z",
            expected: ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]),
        // An hourly job follows real time: 01:00 EDT and again 01:00 EST.
        Case(
            expression: "0 * * * *", zone: "America/New_York", after: "2026-11-01T04:30:00Z",
            expected: ["2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z"]),
        // ...and never in the skipped hour.
        Case(
            expression: "30 * * * *", zone: "America/New_York", after: "2026-03-08T06:00:00Z",
            expected: ["2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z"]),
        // Europe/Berlin: 02:30 is skipped on 2026-03-29 (fires at 03:00 CEST = 01:00Z) and repeated on 2026-10-25.
        Case(
            expression: "30 2 * * *", zone: "Europe/Berlin", after: "2026-03-28T12:00:00Z",
            expected: ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]),
        Case(
            expression: "30 2 * * *", zone: "Europe/Berlin", after: "2026-10-24T12:00:00Z",
            expected: ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]),
        Case(
            expression: "*/30 * * * *", zone: "Europe/Berlin", after: "2026-10-25T00:15:00Z",
            expected: ["2026-10-25T00:30:00Z", "2026-10-25T01:00:00Z", "2026-10-25T01:30:00Z"]),
    ]

    @Test("next fires", arguments: cases)
    func nextFires(_ testCase: Case) throws {
        #expect(
            try fires(testCase.expression, zone: testCase.zone, after: testCase.after, count: testCase.expected.count)
                == testCase.expected)
    }

    @Test("fires once in a repeated hour and right after a skipped one (America/New_York)")
    func documentedExamples() throws {
        #expect(
            try fires("30 2 * * *", zone: "America/New_York", after: "2026-03-08T00:00:00Z", count: 1) == ["2026-03-08T07:00:00Z"]
        )
        let fallBack = try fires("30 1 * * *", zone: "America/New_York", after: "2026-11-01T00:00:00Z", count: 2)
        #expect(fallBack == ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"])
    }

    @Test(
        "invalid expressions name the field and the reason",
        arguments: [
            ("61 * * * *", "minute field: 61 is out of range 0-59"),
            ("* 24 * * *", "hour field: 24 is out of range 0-23"),
            ("* * 0 * *", "day-of-month field: 0 is out of range 1-31"),
            ("* * * foo *", "month field: 'foo' is not a number or a name"),
            ("* * * * 8", "day-of-week field: 8 is out of range 0-7"),
            ("*/0 * * * *", "minute field: step '0' must be a positive number"),
            ("5-1 * * * *", "minute field: range 5-1 runs backwards"),
            ("* * *", "'* * *' has 3 fields; expected 5 (minute hour day-of-month month day-of-week) or 6 (with seconds first)"),
            ("0 0 30 2 *", "'0 0 30 2 *' never fires (no such day)"),
            (
                "@fortnightly",
                "unknown macro '@fortnightly'; use @yearly, @monthly, @weekly, @daily, @hourly or @every <duration>"
            ),
        ])
    func invalid(expression: String, message: String) {
        #expect(throws: CronError.self) { try Schedule(expression) }
        do {
            _ = try Schedule(expression)
        } catch {
            #expect(error.description == message)
        }
    }
}
