import Foundation
import Testing

@testable import Nightshift

/// The worker pool's decisions as tables: how many runs to claim for what it holds and the
/// recent completion rate, how many slots to open, and which claims to make under job and queue
/// limits.
@Suite struct WorkerPoolDecisionsTests {
    static func run(_ job: String = "j", queue: String = NewRun.defaultQueue) -> Run {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var run = Run(id: .version7(), job: job, status: .running, trigger: .manual, runAfter: now, createdAt: now)
        run.queue = queue
        return run
    }

    /// A state holding `executing` attempts and `buffered` runs, with `ended` endings counted
    /// since the window opened at zero.
    static func state(executing: Int = 0, buffered: Int = 0, ended: Int = 0) -> WorkerPoolState {
        var state = WorkerPoolState(windowStart: .zero)
        for _ in 0..<executing {
            let run = run()
            state.executing[run.id] = AttemptHandle(run: run)
        }
        state.prefetched = (0..<buffered).map { _ in run() }
        state.endedInWindow = ended
        return state
    }

    @Test(
        "claims fill the slots and the buffer, and wait while the buffer holds more than half of it",
        arguments: [
            // executing, buffered, endings in the first 100 ms, wanted with 10 slots and at most 1,000 buffered
            (0, 0, 0, 10),  // nothing known yet: the slots only
            (10, 0, 0, 0),  // every slot busy, no rate: nothing buffered, nothing claimed
            (10, 0, 64, 64),  // 640 endings a second: 100 ms of work is 64 runs to buffer
            (10, 40, 64, 0),  // the buffer holds more than half of 64: wait
            (10, 32, 64, 32),  // exactly half: claim the rest
            (4, 0, 1_000_000, 1006),  // a huge rate is capped at 1,000 buffered
        ])
    func claimWanted(executing: Int, buffered: Int, ended: Int, wanted: Int) {
        var state = Self.state(executing: executing, buffered: buffered, ended: ended)
        // 100 ms after the window opened: the window closes and the rate is `ended` per 0.1 s.
        let claim = state.claimWanted(concurrency: 10, prefetchLimit: 1000, horizon: 0.1, sample: 64, now: .milliseconds(100))
        #expect(claim == wanted)
    }

    @Test("a window with enough endings closes early, so a burst of quick jobs is buffered within milliseconds")
    func earlyWindow() {
        var state = Self.state(ended: 64)
        #expect(state.prefetch(limit: 1000, horizon: 0.1, sample: 64, now: .milliseconds(10)) == 640)
        #expect(state.endedInWindow == 0 && state.windowStart == .milliseconds(10))
        var quiet = Self.state(ended: 10)
        #expect(quiet.prefetch(limit: 1000, horizon: 0.1, sample: 64, now: .milliseconds(10)) == 0, "too few to tell")
    }

    @Test(
        "claimed runs open slots up to the concurrency, the first claimed taken first",
        arguments: [(0, 3, 3), (8, 5, 2), (10, 4, 0)])
    func accept(slots: Int, claimed: Int, opened: Int) {
        var state = Self.state()
        state.slots = slots
        let runs = (0..<claimed).map { _ in Self.run() }
        #expect(state.accept(runs, concurrency: 10) == opened)
        #expect(state.slots == slots + opened)
        #expect(state.prefetched.last?.id == runs.first?.id)
    }

    @Test("jobs at their own limit are left out, and a per-job limit claims one run at a time")
    func perJobLimit() throws {
        let limited = try Job(name: "limited", policies: JobPolicies(concurrency: 2)) { _ in [:] }
        let free = try Job(name: "free") { _ in [:] }
        let atLimit = ClaimPlan(
            wanted: 5, jobs: [limited, free], held: [Self.run("limited"), Self.run("limited")], queueConcurrency: [:],
            oneRunPerClaim: true)
        #expect(atLimit.eligible == ["free"])
        #expect(atLimit.claims == [.init(limit: 1, queues: .excluding([]))])
        let below = ClaimPlan(
            wanted: 5, jobs: [limited, free], held: [Self.run("limited")], queueConcurrency: [:], oneRunPerClaim: true)
        #expect(below.eligible == ["free", "limited"])
        let none = ClaimPlan(
            wanted: 5, jobs: [limited], held: [Self.run("limited"), Self.run("limited")], queueConcurrency: [:],
            oneRunPerClaim: true)
        #expect(none.claims.isEmpty, "no job may take a run: no claim at all")
    }

    @Test("each limited queue gets a claim for its room, the other queues one for the rest")
    func queueLimits() throws {
        let job = try Job(name: "j") { _ in [:] }
        let plan = ClaimPlan(
            wanted: 10, jobs: [job], held: [Self.run(queue: "mail"), Self.run(queue: "reports"), Self.run(queue: "reports")],
            queueConcurrency: ["reports": 2, "mail": 4], oneRunPerClaim: false)
        #expect(
            plan.claims == [
                .init(limit: 3, queues: .only(["mail"])),
                .init(limit: 10, queues: .excluding(["mail", "reports"])),
            ], "reports is full; mail has room for 3")
    }
}
