import Foundation
import Nightshift
import Testing

/// The one rule the API, the dashboard and the command line share for a job run by hand.
@Suite struct ManualRunTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15

    func job() throws -> Job {
        try Job(
            name: "rollup", timeZone: Self.berlin,
            policies: JobPolicies(retry: RetryPolicy(maxAttempts: 3), queue: "reports")
        ) { _ in [:] }
    }

    @Test("no day is one run with the caller's trigger and the job's attempts and queue")
    func noDay() throws {
        let runs = try ManualRun(params: ["account": "a-1"], dryRun: true).newRuns(of: try job(), trigger: .api, by: "ops")
        #expect(runs.count == 1)
        let run = try #require(runs.first)
        #expect(run.trigger == .api && run.triggeredBy == "ops" && run.window == nil && run.dryRun)
        #expect(run.maxAttempts == 3 && run.queue == "reports" && run.params == ["account": "a-1"])
    }

    @Test("a range is one backfill run per day in the job's time zone; one day keeps the caller's trigger")
    func days() throws {
        let range = try ManualRun(from: "2027-03-30", to: "2027-04-01").newRuns(of: try job(), trigger: .manual, by: "cli")
        #expect(range.map(\.trigger) == [.backfill, .backfill, .backfill])
        #expect(
            range.first?.window?.from
                == DateComponents(calendar: .init(identifier: .gregorian), timeZone: Self.berlin, year: 2027, month: 3, day: 30)
                .date)
        let one = try ManualRun(date: "yesterday").newRuns(of: try job(), trigger: .manual, by: "cli", now: Self.now)
        #expect(one.map(\.trigger) == [.manual] && one.first?.window != nil)
    }

    @Test(
        "what the three surfaces used to treat three ways is refused the same way, naming the field",
        arguments: [
            (ManualRun(date: "2027-01-01", from: "2027-01-01", to: "2027-01-02"), "date"),
            (ManualRun(to: "2027-01-02"), "from"),
            (ManualRun(from: "2027-01-02"), "to"),
            (ManualRun(from: "2027-13-01", to: "2027-12-01"), "from"),
            (ManualRun(from: "2026-01-01", to: "2027-01-02"), "to"),
            (ManualRun(params: ["bad name!": "x"]), "params"),
        ])
    func refused(request: ManualRun, field: String) throws {
        let job = try job()
        do {
            _ = try request.newRuns(of: job, trigger: .api, by: "ops")
            Issue.record("accepted")
        } catch {
            #expect(error.field == field, "\(error.reason)")
        }
    }

    @Test("the cap is a year and a day: 366 days pass, 367 do not")
    func cap() throws {
        #expect(try ManualRun(from: "2027-01-01", to: "2028-01-01").windows(in: Self.berlin).count == 366)
        #expect(throws: ManualRun.Problem.self) { try ManualRun(from: "2027-01-01", to: "2028-01-02").windows(in: Self.berlin) }
    }
}
