import Foundation
import Logging
import Nightshift
import Synchronization

/// An engine running `jobs` on a ``MemoryJobStore`` with a ``ManualClock``: cron fires,
/// retries, timeouts, heartbeats, leases and catch-up happen when the test moves the clock,
/// in milliseconds, without sleeping.
///
/// ```swift
/// let harness = try await EngineHarness(jobs: [job])
/// let run = try await harness.enqueue(NewRun(job: "flaky", maxAttempts: 3))
/// try await harness.advance(by: .seconds(1), until: "the run succeeded") { $0.runs.first?.status == .succeeded }
/// try await harness.stop()
/// ```
public final class EngineHarness: Sendable {
    /// The clock the engine and the store read.
    public let clock: ManualClock
    /// The store the engine works on.
    public let store: MemoryJobStore
    /// The engine under test.
    public let engine: NightshiftEngine
    private let running: Task<Void, any Error>
    /// Whether the engine's `run()` has returned.
    private final class Flag: Sendable {
        let isSet = Atomic<Bool>(false)
    }
    private let stopped = Flag()

    /// Starts an engine for `jobs` whose clock reads `now`, on an empty store; `configure`
    /// adjusts the configuration (concurrency, lease, grace period) before it starts.
    public convenience init(
        jobs: [Job], now: Date = Date(timeIntervalSince1970: 1_800_000_000),
        logger: Logger = Logger(label: "nightshift-test"), configure: (inout EngineConfiguration) -> Void = { _ in }
    ) async throws {
        let clock = ManualClock(now: now)
        try await self.init(jobs: jobs, store: MemoryJobStore(clock: clock), clock: clock, logger: logger, configure: configure)
    }

    /// Starts an engine for `jobs` on `store`, prepared by the test, whose clock is `clock`;
    /// returns once the engine has registered the jobs and planned their schedules.
    public init(
        jobs: [Job], store: MemoryJobStore, clock: ManualClock, logger: Logger = Logger(label: "nightshift-test"),
        configure: (inout EngineConfiguration) -> Void = { _ in }
    ) async throws {
        self.clock = clock
        self.store = store
        try await store.migrate()
        var configuration = EngineConfiguration(instanceID: "test-instance")
        configuration.clock = clock
        configure(&configuration)
        engine = NightshiftEngine(store: store, jobs: jobs, configuration: configuration, logger: logger)
        running = Task { [engine, stopped] in
            defer { stopped.isSet.store(true, ordering: .relaxed) }
            try await engine.run()
        }
        // Moving the clock before the first scheduler tick would move a new job's starting
        // point past the fires the test means to see.
        let scheduled = jobs.filter { $0.schedule != nil }.map(\.name)
        try await store.waitUntil("the engine to register its jobs and plan their schedules") { snapshot in
            jobs.allSatisfy { snapshot.jobs[$0.name] != nil } && scheduled.allSatisfy { snapshot.jobs[$0]?.watermark != nil }
        }
    }

    /// Enqueues `runs` and wakes the workers, as application code would.
    @discardableResult
    public func enqueue(_ runs: NewRun...) async throws -> [Run] {
        let created = try await store.enqueue(runs)
        engine.notifyEnqueued()
        return created
    }

    /// Moves the clock forward by `duration` and has every engine loop look again at once.
    public func advance(by duration: Duration) {
        clock.advance(by: duration)
        engine.wake()
    }

    /// Moves the clock forward to `date` and has every engine loop look again at once.
    public func advance(to date: Date) {
        clock.advance(to: date)
        engine.wake()
    }

    /// Moves the clock forward by `step` at a time until the store satisfies `condition`;
    /// throws when `limit` of clock time passes first. Between steps the engine gets a moment
    /// of real time to act on the last one, so use it where acting later is as good (a
    /// timeout, a grace period); move to exact instants with ``advance(to:)`` otherwise.
    public func advance(
        by step: Duration, until what: String, within limit: Duration = .seconds(86_400),
        _ condition: @escaping @Sendable (MemoryJobStore.Snapshot) -> Bool
    ) async throws {
        var moved = Duration.zero
        while true {
            do {
                try await store.waitUntil(timeout: .milliseconds(20), what, condition)
                return
            } catch is MemoryJobStoreTimeout where moved < limit {
                advance(by: step)
                moved += step
            }
        }
    }

    /// Waits, in real time, until the store satisfies `condition`.
    public func waitUntil(_ what: String, _ condition: @escaping @Sendable (MemoryJobStore.Snapshot) -> Bool) async throws {
        try await store.waitUntil(what, condition)
    }

    /// Shuts the engine down as SIGTERM would and waits until it has stopped, moving the clock
    /// a second at a time meanwhile, so that jobs still running get their grace period and
    /// are then stopped, as they would in real time.
    public func stop() async throws {
        engine.shutDown()
        var moved = Duration.zero
        while !stopped.isSet.load(ordering: .relaxed), moved < .seconds(86_400) {
            try? await Task.sleep(for: .milliseconds(5))
            guard !stopped.isSet.load(ordering: .relaxed) else { break }
            advance(by: .seconds(1))
            moved += .seconds(1)
        }
        try await running.value
    }
}
