import Foundation
import Testing

@testable import Nightshift

@Suite struct FirePlannerTests {
    let schedule = try! Schedule("@every 60s")
    let now = Date(timeIntervalSince1970: 1_800_000_000)  // a multiple of 60

    func plan(_ catchUp: CatchUpPolicy, downtime: Double, deadline: Double? = nil) -> FirePlanner.Plan {
        var policies = JobPolicies(catchUp: catchUp, startingDeadline: deadline.map { .seconds($0) })
        policies.maxCatchUp = 100
        return FirePlanner.plan(
            schedule: schedule, policies: policies, watermark: now.addingTimeInterval(-downtime), now: now,
            onTimeTolerance: .seconds(30), active: true)
    }

    @Test("catch_up none runs only the fire due now")
    func none() {
        let result = plan(.none, downtime: 600)
        #expect(result.fires == [now])
        #expect(result.dropped == 9)
        #expect(result.watermark == now)
    }

    @Test("catch_up latest runs the newest missed fire when none is due now")
    func latest() {
        let result = plan(.latest, downtime: 600)
        #expect(result.fires == [now])
        let late = FirePlanner.plan(
            schedule: schedule, policies: JobPolicies(catchUp: .latest), watermark: now.addingTimeInterval(-600),
            now: now.addingTimeInterval(45), onTimeTolerance: .seconds(30), active: true)
        #expect(late.fires == [now])
        #expect(late.dropped == 9)
    }

    @Test(
        "after downtime, latest and none run one fire even when several are within the on-time tolerance (a restart recorded two as skipped behind a run that did not exist)"
    )
    func restartWithinTolerance() throws {
        let everyTen = try Schedule("*/10 * * * * *")
        let restart = now.addingTimeInterval(2)
        for catchUp in [CatchUpPolicy.latest, .none] {
            // 50 s down: fires at -40, -30, -20, -10 and 0 s are due; the last three within 30 s.
            let result = FirePlanner.plan(
                schedule: everyTen, policies: JobPolicies(catchUp: catchUp), watermark: now.addingTimeInterval(-50),
                now: restart, onTimeTolerance: .seconds(30), active: true)
            #expect(result.fires == [now], "\(catchUp)")
            #expect(result.dropped == 4, "\(catchUp)")
        }
        let all = FirePlanner.plan(
            schedule: everyTen, policies: JobPolicies(catchUp: .all), watermark: now.addingTimeInterval(-50), now: restart,
            onTimeTolerance: .seconds(30), active: true)
        #expect(all.fires.count == 5)
    }

    @Test("catch_up all runs every missed fire within the starting deadline")
    func all() {
        #expect(plan(.all, downtime: 600).fires.count == 10)
        #expect(plan(.all, downtime: 600, deadline: 180).fires.count == 4)
        #expect(plan(.all, downtime: 600, deadline: 179).fires.count == 3)
    }

    @Test("a new job starts from now and a paused one lets its fires pass")
    func newAndPaused() {
        let fresh = FirePlanner.plan(
            schedule: schedule, policies: JobPolicies(), watermark: nil, now: now, onTimeTolerance: .seconds(30), active: true)
        #expect(fresh.fires.isEmpty && fresh.watermark == now)
        let paused = FirePlanner.plan(
            schedule: schedule, policies: JobPolicies(), watermark: now.addingTimeInterval(-600), now: now,
            onTimeTolerance: .seconds(30), active: false)
        #expect(paused.fires.isEmpty && paused.watermark == now)
    }

    @Test("backoff doubles and is capped, with jitter in the upper half")
    func backoff() {
        let policy = RetryPolicy(maxAttempts: 5, backoffBase: .seconds(10), backoffMaximum: .seconds(60))
        #expect(policy.delay(afterAttempt: 1, unitRandom: 1) == .seconds(10))
        #expect(policy.delay(afterAttempt: 2, unitRandom: 1) == .seconds(20))
        #expect(policy.delay(afterAttempt: 3, unitRandom: 0) == .seconds(20))
        #expect(policy.delay(afterAttempt: 9, unitRandom: 1) == .seconds(60))
    }

    @Test("details keep their order through JSON text")
    func jsonOrder() throws {
        let details: JSONObject = ["processedKeys": 2, "upserts": 5, "note": "a \"quoted\" é"]
        guard case .object(let parsed) = try JSONValue(parsing: details.jsonText) else { Issue.record("not an object"); return }
        #expect(parsed == details)
        #expect(parsed.summary == "processedKeys=2, upserts=5, note=a \"quoted\" é")
    }
}
