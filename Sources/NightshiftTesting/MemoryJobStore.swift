import Foundation
import Nightshift
import Synchronization

/// A ``JobStore`` kept in memory: every requirement implemented as the SQL stores implement it
/// (the same conformance suite runs against all three), safe across tasks, with its time read
/// from a clock the test controls.
///
/// For tests of jobs and of the engine: no database, no files, and with a ``ManualClock`` no
/// waiting. Nothing survives the process.
///
/// ```swift
/// let clock = ManualClock()
/// let store = MemoryJobStore(clock: clock)
/// ```
public final class MemoryJobStore: JobStore {
    struct Lease {
        var holder: String
        var expiresAt: Date
        var acquiredAt: Date
        var gapFrom: Date?
    }
    struct State {
        var migrated = false
        var jobs: [String: JobState] = [:]
        var runs: [UUID: Run] = [:]
        /// Each run's ended attempts, oldest first.
        var attempts: [UUID: [AttemptRecord]] = [:]
        var leases: [String: Lease] = [:]
        var pausedQueues: Set<String> = []
        var incidents: [UUID: Incident] = [:]
        var instances: [String: InstanceState] = [:]
        var notifications: [UUID: AlertNotification] = [:]
        /// The kept run statistics, by bucket size, start and outcome, and how far they reach.
        var statistics: [String: FinishedRunBucket] = [:]
        /// The kept failure statistics, by hour, job and fingerprint.
        var failureStatistics: [String: (start: Date, group: FailureGroup)] = [:]
        /// Dashboard sessions ended, with when they would have expired.
        var revokedSessions: [String: Date] = [:]
        /// Each queue's finished runs per minute.
        var queueStatistics: [QueueMinute: Int] = [:]
        var statisticsMark: Date?
        var listeners: [UInt64: @Sendable () -> Void] = [:]
        var waiters: [UInt64: RunsWaiter] = [:]
        var nextID: UInt64 = 0

        mutating func takeID() -> UInt64 {
            defer { nextID += 1 }
            return nextID
        }
    }
    /// A minute of one queue, in the kept statistics.
    struct QueueMinute: Hashable {
        var start: Date
        var queue: String
    }
    struct RunsWaiter {
        let condition: @Sendable (Snapshot) -> Bool
        let continuation: CheckedContinuation<Void, any Error>
    }

    /// The store's clock: what the SQL stores read from the database.
    public let clock: any EngineClock
    let state = Mutex(State())

    /// An empty store reading the time from `clock`.
    public init(clock: any EngineClock = SystemClock()) {
        self.clock = clock
    }

    // MARK: Schema and time

    public func migrate() async throws {
        state.withLock { $0.migrated = true }
    }

    public func isMigrated() async throws -> Bool {
        state.withLock { $0.migrated }
    }

    public func databaseNow() async throws -> Date {
        clock.now
    }

    public func close() async {}

    // MARK: Jobs

    public func register(_ jobs: [JobRegistration]) async throws {
        let now = clock.now
        mutate { state, _ in
            for job in jobs {
                var current = state.jobs[job.name] ?? JobState(name: job.name, registeredAt: now)
                current.enabled = job.enabled
                current.schedule = job.schedule
                current.description = job.description
                state.jobs[job.name] = current
            }
        }
    }

    public func jobStates() async throws -> [JobState] {
        state.withLock { $0.jobs.values.sorted { $0.name < $1.name } }
    }

    public func advanceWatermark(job: String, to fire: Date) async throws {
        mutate { state, _ in
            guard let current = state.jobs[job]?.watermark else {
                state.jobs[job]?.watermark = fire
                return
            }
            if current < fire { state.jobs[job]?.watermark = fire }
        }
    }

    public func setPaused(job: String, paused: Bool) async throws -> Bool {
        mutate { state, _ in
            guard state.jobs[job] != nil else { return false }
            state.jobs[job]?.paused = paused
            return true
        }
    }

    public func setQueuePaused(_ queue: String, paused: Bool) async throws {
        mutate { state, _ in
            if paused { state.pausedQueues.insert(queue) } else { state.pausedQueues.remove(queue) }
        }
    }

    public func revokeSession(_ id: String, expiresAt: Date) async throws {
        let forgetBefore = clock.now.addingTimeInterval(-SessionRevocations.keptPastExpiry.inSeconds)
        mutate { state, _ in
            state.revokedSessions[id] = expiresAt
            state.revokedSessions = state.revokedSessions.filter { $0.value >= forgetBefore }
        }
    }

    public func isSessionRevoked(_ id: String) async throws -> Bool {
        state.withLock { $0.revokedSessions[id] != nil }
    }

    // MARK: Leases

    public func acquireLease(_ name: String, holder: String, duration: Duration) async throws -> Bool {
        let now = clock.now
        return mutate { state, _ in
            let old = state.leases[name]
            if let old, old.holder != holder, old.expiresAt >= now { return false }
            var lease = Lease(
                holder: holder, expiresAt: now.addingTimeInterval(duration.inSeconds), acquiredAt: now,
                gapFrom: old?.gapFrom)
            if let old, old.holder == holder, old.expiresAt >= now { lease.acquiredAt = old.acquiredAt }
            // Nobody held it for more than two lease periods: kept for the `no_leader` alert.
            if let old, old.expiresAt < now.addingTimeInterval(-2 * duration.inSeconds) { lease.gapFrom = old.expiresAt }
            state.leases[name] = lease
            return true
        }
    }

    public func leaseHolder(_ name: String) async throws -> String? {
        let now = clock.now
        return state.withLock { state in
            guard let lease = state.leases[name], lease.expiresAt > now else { return nil }
            return lease.holder
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        let now = clock.now
        // The row stays, run out, so that the time of the last leader is known.
        mutate { state, _ in
            if state.leases[name]?.holder == holder { state.leases[name]?.expiresAt = now.addingTimeInterval(-0.001) }
        }
    }

    // MARK: Instances

    public func beat(_ instance: InstanceState, stopping: Bool) async throws {
        let now = clock.now
        mutate { state, _ in
            var row = state.instances[instance.id] ?? instance
            if state.instances[instance.id] == nil { row.startedAt = now }
            row.running = instance.running
            row.heartbeatAt = now
            row.stoppedAt = stopping ? now : nil
            state.instances[instance.id] = row
            state.instances = state.instances.filter { now.timeIntervalSince($0.value.heartbeatAt) < 86_400 }
        }
    }

    public func instances() async throws -> [InstanceState] {
        state.withLock { state in
            state.instances.values.sorted { ($0.heartbeatAt, $1.id) > ($1.heartbeatAt, $0.id) }
        }
    }

    // MARK: Listening

    public func listenForNewRuns(_ wake: @escaping @Sendable () -> Void) async throws {
        let id = state.withLock { state in
            let id = state.takeID()
            state.listeners[id] = wake
            return id
        }
        defer { _ = state.withLock { $0.listeners.removeValue(forKey: id) } }
        // Until cancelled: the clock's sleep throws then.
        while !Task.isCancelled {
            try? await clock.sleep(for: .seconds(86_400 * 365))
        }
    }

    /// What the store holds at one moment, for a test's conditions.
    public struct Snapshot: Sendable {
        /// Every run, oldest first.
        public let runs: [Run]
        /// Every job's control state, by name.
        public let jobs: [String: JobState]
        /// Every alert incident, oldest first.
        public var incidents: [Incident] = []
        /// Every alert notification, oldest first.
        public var notifications: [AlertNotification] = []

        /// The runs of `job`, oldest first.
        public func runs(of job: String) -> [Run] { runs.filter { $0.job == job } }
    }

    /// What the store holds now.
    public var snapshot: Snapshot { state.withLock { Self.snapshot(of: $0) } }

    /// Returns once the store's contents satisfy `condition`, checked now and after every
    /// change to the store; throws ``MemoryJobStoreTimeout`` when `timeout` of real time passes
    /// first, so a test that waits for what never happens fails instead of hanging.
    public func waitUntil(
        timeout: Duration = .seconds(30), _ what: String = "the store to match",
        _ condition: @escaping @Sendable (Snapshot) -> Bool
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.waitForChange(condition) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw MemoryJobStoreTimeout(waitedFor: what, timeout: timeout)
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func waitForChange(_ condition: @escaping @Sendable (Snapshot) -> Bool) async throws {
        let id = state.withLock { $0.takeID() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let satisfied = state.withLock { state -> Bool in
                    if condition(Self.snapshot(of: state)) { return true }
                    if Task.isCancelled { return true }
                    state.waiters[id] = RunsWaiter(condition: condition, continuation: continuation)
                    return false
                }
                if satisfied { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    // MARK: Changes

    /// What a change asks for once the lock is released.
    struct Effects {
        /// Whether runnable runs may have appeared (the SQL stores' NOTIFY).
        var announce = false
    }

    /// Applies `change` under the lock, then wakes listeners (when it announced new runs) and
    /// the waiters whose condition now holds.
    @discardableResult
    func mutate<T>(_ change: (inout State, inout Effects) -> T) -> T {
        let (result, listeners, ready) = state.withLock { state in
            var effects = Effects()
            let result = change(&state, &effects)
            let listeners = effects.announce ? Array(state.listeners.values) : []
            var ready: [CheckedContinuation<Void, any Error>] = []
            if !state.waiters.isEmpty {
                let snapshot = Self.snapshot(of: state)
                for (id, waiter) in state.waiters where waiter.condition(snapshot) {
                    ready.append(waiter.continuation)
                    state.waiters[id] = nil
                }
            }
            return (result, listeners, ready)
        }
        for wake in listeners { wake() }
        for continuation in ready { continuation.resume() }
        return result
    }

    static func snapshot(of state: State) -> Snapshot {
        var snapshot = Snapshot(runs: ordered(state.runs), jobs: state.jobs)
        snapshot.incidents = state.incidents.values.sorted { ($0.openedAt, $0.id.uuidString) < ($1.openedAt, $1.id.uuidString) }
        snapshot.notifications = state.notifications.values.sorted {
            ($0.createdAt, $0.id.uuidString) < ($1.createdAt, $1.id.uuidString)
        }
        return snapshot
    }

    /// Runs oldest first, as the SQL stores order them by `(created_at, id)`.
    static func ordered(_ runs: [UUID: Run]) -> [Run] {
        runs.values.sorted { ($0.createdAt, $0.id.uuidString) < ($1.createdAt, $1.id.uuidString) }
    }
}

/// A ``MemoryJobStore/waitUntil(timeout:_:_:)`` that waited longer than its timeout.
public struct MemoryJobStoreTimeout: Error, CustomStringConvertible {
    /// What the test waited for.
    public let waitedFor: String
    /// How long it waited, in real time.
    public let timeout: Duration

    public var description: String { "waited \(timeout) for \(waitedFor); it did not happen" }
}
