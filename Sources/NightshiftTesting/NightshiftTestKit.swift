import Foundation
import Logging
import Nightshift
import Testing

/// Tests of your own jobs and of the code that enqueues them, on a ``MemoryJobStore`` with a
/// ``ManualClock``: no database, no waiting, milliseconds per test.
///
/// In `.manual` mode enqueued runs wait until the test calls ``drain()``, which executes every
/// due run in the test's task; ``assertEnqueued(_:count:where:sourceLocation:)`` checks what
/// was enqueued first. In `.inline` mode runs execute at once, in the caller's task, as they
/// are enqueued. Moving the clock (``advance(by:)``) fires cron schedules and makes retries
/// due, as the engine would.
///
/// ```swift
/// let kit = try await NightshiftTestKit(jobs: [sendInvoice])
/// try await kit.transaction { $0.enqueue(try NewRun(job: "send-invoice", params: Invoice(id: 42), maxAttempts: 3)) }
/// kit.assertEnqueued("send-invoice")
/// #expect(try await kit.drain().retried == 1)
/// try await kit.advance(by: .seconds(60))
/// #expect(try await kit.drain().succeeded == 1)
/// ```
public final class NightshiftTestKit: Sendable {
    /// When enqueued runs execute.
    public enum Mode: Sendable {
        /// At once, in the task that enqueued them (and after each clock move).
        case inline
        /// When the test calls ``drain()``.
        case manual
    }

    /// What a ``drain()`` did, by how each attempt ended.
    public struct Drained: Equatable, Sendable {
        /// Attempts that succeeded.
        public var succeeded = 0
        /// Attempts that failed and will be retried after their backoff.
        public var retried = 0
        /// Runs that ended failed or discarded (out of attempts).
        public var failed = 0
        /// Runs that ended cancelled.
        public var cancelled = 0

        /// Counts of attempts; the defaults are none.
        public init(succeeded: Int = 0, retried: Int = 0, failed: Int = 0, cancelled: Int = 0) {
            self.succeeded = succeeded
            self.retried = retried
            self.failed = failed
            self.cancelled = cancelled
        }

        /// Every attempt executed.
        public var attempts: Int { succeeded + retried + failed + cancelled }
    }

    /// The clock jobs and schedules see.
    public let clock: ManualClock
    /// The store the runs are in.
    public let store: MemoryJobStore
    private let mode: Mode
    private let jobs: [String: Job]
    private let executor: RunExecutor
    private let scheduler: Scheduler
    private let worker = "test-kit"

    /// A kit for `jobs` whose clock reads `now`; cron schedules start from `now`.
    public init(
        jobs: [Job], mode: Mode = .manual, now: Date = Date(timeIntervalSince1970: 1_800_000_000),
        logger: Logger = Logger(label: "nightshift-test")
    ) async throws {
        clock = ManualClock(now: now)
        store = MemoryJobStore(clock: clock)
        self.mode = mode
        self.jobs = Dictionary(jobs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var configuration = EngineConfiguration(instanceID: worker)
        configuration.clock = clock
        executor = RunExecutor(logger: logger, metrics: configuration.metrics, clock: clock)
        scheduler = Scheduler(
            store: store, jobs: jobs, configuration: configuration, logger: logger, health: StoreHealth(clock: clock),
            onQueued: {})
        try await store.migrate()
        try await store.register(jobs.map(JobRegistration.init))
        await scheduler.tick()
    }

    /// Enqueues `runs`; in `.inline` mode executes them (and whatever else is due) before returning.
    @discardableResult
    public func enqueue(_ runs: NewRun...) async throws -> [Run] {
        let created = try await store.enqueue(runs)
        if mode == .inline { try await drain() }
        return created
    }

    /// Runs `body` as a transaction of the application's (see ``MemoryTransaction``); in
    /// `.inline` mode executes what it enqueued once it commits.
    @discardableResult
    public func transaction<R>(_ body: (MemoryTransaction) async throws -> R) async throws -> R {
        let result = try await store.transaction(body)
        if mode == .inline { try await drain() }
        return result
    }

    /// Executes every due run, highest priority and oldest first, one at a time in this task,
    /// until none is due; retries whose backoff has not passed stay queued.
    @discardableResult
    public func drain() async throws -> Drained {
        var drained = Drained()
        while let run = try await store.claim(limit: 1, jobs: Array(jobs.keys), queues: .any, worker: worker).first {
            guard let job = jobs[run.job] else { continue }
            let completion = await executor.execute(run, job: job)
            _ = try await store.complete([completion])
            switch completion.outcome {
            case .succeeded: drained.succeeded += 1
            case .retry: drained.retried += 1
            case .finished(let status) where status == .cancelled: drained.cancelled += 1
            case .finished: drained.failed += 1
            }
        }
        return drained
    }

    /// Moves the clock forward by `duration`, records the cron fires that came due, and in
    /// `.inline` mode executes what is due.
    public func advance(by duration: Duration) async throws {
        clock.advance(by: duration)
        await scheduler.tick()
        if mode == .inline { try await drain() }
    }

    /// Moves the clock forward to `date`, as ``advance(by:)`` does.
    public func advance(to date: Date) async throws {
        try await advance(by: .seconds(max(0, date.timeIntervalSince(clock.now))))
    }

    /// The queued runs of `job` (of every job when nil), oldest first.
    public func enqueued(_ job: String? = nil) -> [Run] {
        store.snapshot.runs.filter { $0.status == .queued && (job == nil || $0.job == job) }
    }

    /// Records an issue unless `job` has queued runs matching `condition`: exactly `count` of
    /// them when it is given, at least one otherwise.
    public func assertEnqueued(
        _ job: String, count: Int? = nil, where condition: (Run) -> Bool = { _ in true },
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let matching = enqueued(job).filter(condition)
        if let count {
            #expect(matching.count == count, "runs of '\(job)' enqueued", sourceLocation: sourceLocation)
        } else {
            #expect(!matching.isEmpty, "a run of '\(job)' enqueued", sourceLocation: sourceLocation)
        }
    }

    /// Records an issue if `job` has queued runs.
    public func refuteEnqueued(_ job: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(enqueued(job).isEmpty, "no run of '\(job)' enqueued", sourceLocation: sourceLocation)
    }
}
