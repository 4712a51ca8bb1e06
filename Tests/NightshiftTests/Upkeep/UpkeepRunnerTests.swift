import Foundation
import Logging
import NightshiftTesting
import Synchronization
import Testing

@testable import Nightshift

/// The runner on the manual clock: passes come at their period or on a wake, a pass that hangs
/// is left behind, bad settings are refused before anything runs, cancellation stops it all.
@Suite struct UpkeepRunnerTests {
    /// A service that counts its passes; `hangs` makes every pass wait until cancelled, deaf to it.
    final class Counting: UpkeepService {
        let name: String
        let period: Duration?
        let passesAtStart: Bool
        let hangs: Bool
        private let count = Atomic(0)
        var passes: Int { count.load(ordering: .relaxed) }

        init(name: String = "counting", period: Duration? = .seconds(10), passesAtStart: Bool = false, hangs: Bool = false) {
            self.name = name
            self.period = period
            self.passesAtStart = passesAtStart
            self.hangs = hangs
        }

        func pass() async {
            count.add(1, ordering: .relaxed)
            // A store call that ignores cancellation: the pass never returns.
            if hangs { await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in } }
        }
    }

    static func waitFor(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw WaitedTooLong(what: what) }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    struct WaitedTooLong: Error { let what: String }

    /// Runs `runner` while `body` runs, then cancels it and waits for it to stop.
    static func whileRunning(_ runner: UpkeepRunner, _ body: () async throws -> Void) async throws {
        let running = Task { await runner.run() }
        defer { running.cancel() }
        try await body()
        running.cancel()
        await running.value
    }

    @Test("a pass comes when its period passes on the clock, or at once on a wake")
    func periodAndWake() async throws {
        let clock = ManualClock()
        let service = Counting(period: .seconds(10))
        let runner = UpkeepRunner(
            services: [service], abandonPassAfter: .seconds(600), clock: clock, logger: Logger(label: "test"))
        try await Self.whileRunning(runner) {
            try await Self.waitFor("the runner waiting") { clock.sleeperCount > 0 }
            #expect(service.passes == 0, "no pass before its period")
            clock.advance(by: .seconds(10))
            try await Self.waitFor("the first pass") { service.passes == 1 }
            runner.wake()
            try await Self.waitFor("a pass on the wake") { service.passes == 2 }
        }
    }

    @Test("start passes run in order before the loops, only for the services that ask")
    func startPasses() async throws {
        let first = Counting(name: "first", passesAtStart: true)
        let second = Counting(name: "second")
        let runner = UpkeepRunner(
            services: [first, second], abandonPassAfter: .seconds(600), clock: ManualClock(), logger: Logger(label: "test"))
        await runner.start()
        #expect(first.passes == 1 && second.passes == 0)
    }

    @Test("a pass that hangs is left behind with a warning, and the service's next pass still comes")
    func hungPassIsLeftBehind() async throws {
        let clock = ManualClock()
        let logs = LogCapture()
        let service = Counting(period: .seconds(10), hangs: true)
        let runner = UpkeepRunner(services: [service], abandonPassAfter: .milliseconds(50), clock: clock, logger: logs.logger())
        try await Self.whileRunning(runner) {
            runner.wake()
            try await Self.waitFor("the warning") { logs.messages.contains { $0.contains("did not end within") } }
            runner.wake()
            try await Self.waitFor("a second pass beside the hung one") { service.passes == 2 }
        }
    }

    @Test("a service whose pass lasts until cancelled runs once and stops on cancellation")
    func continuousService() async throws {
        let clock = ManualClock()
        let service = Counting(period: nil)
        let listening = NewRunListening(
            configuration: .init(retryAfter: .seconds(5)), store: MemoryJobStore(clock: clock), wake: {}, clock: clock,
            logger: Logger(label: "test"))
        let runner = UpkeepRunner(
            services: [service, listening], abandonPassAfter: .seconds(600), clock: clock, logger: Logger(label: "test"))
        try await Self.whileRunning(runner) {
            try await Self.waitFor("the pass") { service.passes == 1 }
        }
        #expect(service.passes == 1)
    }

    @Test("a period that is not above zero is refused, naming the setting")
    func badPeriod() throws {
        let runner = UpkeepRunner(
            services: [Counting(name: "counting", period: .zero)], abandonPassAfter: .seconds(600), clock: ManualClock(),
            logger: Logger(label: "test"))
        #expect(throws: UpkeepSettingError.self) { try runner.validate() }
        do {
            try runner.validate()
        } catch {
            #expect(error.description == "the engine's counting period must be above zero (it is 0ms)")
        }
    }
}
