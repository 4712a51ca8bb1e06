import Testing

@testable import NightshiftServer

@Suite struct KnownQueuesTests {
    @Test("a queue keeps its gauge an hour after it last held runs, then its series goes; at most 1,000 besides default")
    func forgetAndCap() {
        let queues = KnownQueues()
        let start = ContinuousClock.now
        #expect(queues.update(seeing: ["reports"], now: start).reported == ["default", "reports"])
        let halfHour = queues.update(seeing: [], now: start + .seconds(1800))
        #expect(halfHour.reported == ["default", "reports"] && halfHour.forgotten.isEmpty)
        let later = queues.update(seeing: [], now: start + .seconds(3601))
        #expect(later.reported == ["default"] && later.forgotten == ["reports"])
        let many = (0..<1200).map { "q\($0)" }
        let capped = queues.update(seeing: many, now: start + .seconds(3700))
        #expect(capped.reported.count == 1 + KnownQueues.most && capped.reported.first == "default")
    }
}
