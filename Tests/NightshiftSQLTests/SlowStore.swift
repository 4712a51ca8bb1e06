import Foundation
import Nightshift
import Synchronization

/// A real store whose completion writes, lease renewals or heartbeats take a while first, as
/// on a database that is slow to answer; the delays can change while an engine runs.
/// Everything else goes straight through.
final class SlowStore: JobStore {
    let base: any JobStore
    private let delays: Mutex<(complete: Duration, lease: Duration, heartbeat: Duration)>
    /// How many of the next completion writes, claims and heartbeats fail, as during an outage.
    private let failures = Mutex((completions: 0, claims: 0, heartbeats: 0))
    private let beats = Atomic<Int>(0)
    private let hanging = Mutex<Set<HangingCall>>([])
    private let hungCalls = Mutex<[CheckedContinuation<Void, Never>]>([])
    private let claimFailuresAsked = Atomic<Int>(0)
    /// Tests waiting for a number of failed claims.
    private let claimWaiters = Mutex<[(count: Int, continuation: CheckedContinuation<Void, Never>)]>([])

    init(base: any JobStore, complete: Duration = .zero, lease: Duration = .zero, heartbeat: Duration = .zero) {
        self.base = base
        delays = Mutex((complete, lease, heartbeat))
    }

    /// Makes lease requests from now on take `delay`.
    func slowLeases(by delay: Duration) { delays.withLock { $0.lease = delay } }

    /// Makes the next `count` completion writes fail.
    func failCompletions(_ count: Int) { failures.withLock { $0.completions = count } }
    /// Makes the next `count` claims fail.
    func failClaims(_ count: Int) {
        failures.withLock { $0.claims = count }
        claimFailuresAsked.store(count, ordering: .relaxed)
    }
    /// How many claims have failed since the last ``failClaims(_:)``.
    var failedClaims: Int { claimFailuresAsked.load(ordering: .relaxed) - failures.withLock { $0.claims } }

    /// Returns once at least `count` claims have failed since the last ``failClaims(_:)``.
    func waitForFailedClaims(atLeast count: Int) async {
        await withCheckedContinuation { continuation in
            let reached = claimWaiters.withLock { waiters -> Bool in
                guard failedClaims < count else { return true }
                waiters.append((count, continuation))
                return false
            }
            if reached { continuation.resume() }
        }
    }

    /// Makes the next `count` heartbeats fail.
    func failHeartbeats(_ count: Int) { failures.withLock { $0.heartbeats = count } }

    private func failIf(_ remaining: WritableKeyPath<(completions: Int, claims: Int, heartbeats: Int), Int>) throws {
        let fail = failures.withLock { failures in
            guard failures[keyPath: remaining] > 0 else { return false }
            failures[keyPath: remaining] -= 1
            return true
        }
        if fail { throw TestFailure(message: "the database is unreachable (simulated)") }
    }

    func complete(_ completions: [RunCompletion]) async throws -> Set<UUID> {
        try failIf(\.completions)
        try await Task.sleep(for: delays.withLock { $0.complete })
        return try await base.complete(completions)
    }

    func migrate() async throws { try await base.migrate() }
    func isMigrated() async throws -> Bool { try await base.isMigrated() }
    func databaseNow() async throws -> Date { try await base.databaseNow() }
    func register(_ jobs: [JobRegistration]) async throws { try await base.register(jobs) }
    func jobStates() async throws -> [JobState] { try await base.jobStates() }
    func advanceWatermark(job: String, to fire: Date) async throws { try await base.advanceWatermark(job: job, to: fire) }
    func setPaused(job: String, paused: Bool) async throws -> Bool { try await base.setPaused(job: job, paused: paused) }
    func acquireLease(_ name: String, holder: String, duration: Duration) async throws -> Bool {
        await hangIfAsked(.lease)
        try await Task.sleep(for: delays.withLock { $0.lease })
        return try await base.acquireLease(name, holder: holder, duration: duration)
    }
    func leaseHolder(_ name: String) async throws -> String? { try await base.leaseHolder(name) }
    func releaseLease(_ name: String, holder: String) async throws { try await base.releaseLease(name, holder: holder) }
    func recordFires(_ fires: [ScheduledFire]) async throws -> [FireOutcome] { try await base.recordFires(fires) }
    func enqueue(_ runs: [NewRun]) async throws -> [Run] { try await base.enqueue(runs) }
    func claim(limit: Int, jobs: [String], queues: QueueFilter, worker: String) async throws -> [Run] {
        await hangIfAsked(.claim)
        do {
            try failIf(\.claims)
        } catch {
            let failed = failedClaims
            let ready = claimWaiters.withLock { waiters in
                defer { waiters.removeAll { $0.count <= failed } }
                return waiters.filter { $0.count <= failed }.map(\.continuation)
            }
            for waiter in ready { waiter.resume() }
            throw error
        }
        return try await base.claim(limit: limit, jobs: jobs, queues: queues, worker: worker)
    }
    func claim(runID: UUID, worker: String) async throws -> Run? { try await base.claim(runID: runID, worker: worker) }
    func release(_ runIDs: [UUID], worker: String) async throws { try await base.release(runIDs, worker: worker) }
    func heartbeat(_ progress: [UUID: Int], worker: String) async throws -> Set<UUID> {
        try failIf(\.heartbeats)
        try await Task.sleep(for: delays.withLock { $0.heartbeat })
        let cancelled = try await base.heartbeat(progress, worker: worker)
        beats.add(1, ordering: .relaxed)
        return cancelled
    }
    /// How many heartbeats went through.
    var heartbeatsWritten: Int { beats.load(ordering: .relaxed) }
    func rescueOrphans(staleAfter: Duration, sparing held: @escaping @Sendable () throws -> Set<UUID>) async throws -> [Run] {
        try await base.rescueOrphans(staleAfter: staleAfter, sparing: held)
    }
    func requestCancel(runIDs: [UUID], by who: String?) async throws -> Set<UUID> {
        try await base.requestCancel(runIDs: runIDs, by: who)
    }
    func runs(_ query: RunQuery) async throws -> [Run] { try await base.runs(query) }
    func run(id: UUID) async throws -> Run? { try await base.run(id: id) }
    func runningSummaries() async throws -> [String: RunningSummary] { try await base.runningSummaries() }
    func start(_ run: NewRun, worker: String) async throws -> Run { try await base.start(run, worker: worker) }
    func runs(ids: [UUID]) async throws -> [Run] { try await base.runs(ids: ids) }
    func setQueuePaused(_ queue: String, paused: Bool) async throws { try await base.setQueuePaused(queue, paused: paused) }
    func prune(_ retention: HistoryRetention, chunkSize: Int) async throws -> Int {
        try await base.prune(retention, chunkSize: chunkSize)
    }
    func activeRuns() async throws -> [Run] { try await base.activeRuns() }
    func lastFinishedRuns(of jobs: [String]) async throws -> [String: Run] { try await base.lastFinishedRuns(of: jobs) }
    func attempts(of id: UUID) async throws -> [AttemptRecord] { try await base.attempts(of: id) }
    func incidents(openOnly: Bool, limit: Int) async throws -> [Incident] {
        try await base.incidents(openOnly: openOnly, limit: limit)
    }
    func apply(_ changes: [IncidentChange]) async throws -> [IncidentChange] { try await base.apply(changes) }
    func dueNotifications(limit: Int) async throws -> [AlertNotification] { try await base.dueNotifications(limit: limit) }
    func recordDelivery(_ id: UUID, outcome: DeliveryOutcome) async throws {
        try await base.recordDelivery(id, outcome: outcome)
    }
    func notifications(of incidentID: UUID) async throws -> [AlertNotification] {
        try await base.notifications(of: incidentID)
    }
    func lease(_ name: String) async throws -> LeaseState? { try await base.lease(name) }
    func pausedQueues() async throws -> Set<String> { try await base.pausedQueues() }
    func queueSummaries() async throws -> [String: QueueSummary] { try await base.queueSummaries() }
    func failureGroups(since: Date, limit: Int) async throws -> [FailureGroup] {
        try await base.failureGroups(since: since, limit: limit)
    }
    func recentRuns(of jobs: [String], limit: Int) async throws -> [String: [RunMark]] {
        try await base.recentRuns(of: jobs, limit: limit)
    }
    func beat(_ instance: InstanceState, stopping: Bool) async throws { try await base.beat(instance, stopping: stopping) }
    func instances() async throws -> [InstanceState] { try await base.instances() }
    func queueThroughput(since: Date) async throws -> [String: Int] { try await base.queueThroughput(since: since) }
    func revokeSession(_ id: String, expiresAt: Date) async throws {
        try await base.revokeSession(id, expiresAt: expiresAt)
    }
    func isSessionRevoked(_ id: String) async throws -> Bool { try await base.isSessionRevoked(id) }
    func runStatistics(since: Date, bucketSeconds: Int) async throws -> [FinishedRunBucket] {
        try await base.runStatistics(since: since, bucketSeconds: bucketSeconds)
    }
    func summarizeFinishedRuns(before: Date, span: Duration) async throws -> Date {
        try await base.summarizeFinishedRuns(before: before, span: span)
    }
    func listenForNewRuns(_ wake: @escaping @Sendable () -> Void) async throws {
        await hangIfAsked(.listen)
        try await base.listenForNewRuns(wake)
    }

    /// Store calls a test can make hang.
    enum HangingCall: Sendable { case listen, lease, claim }

    /// Makes `call` hang, deaf to cancellation as a PostgresNIO call hung after an outage, until
    /// ``releaseHungCalls()``.
    func hang(_ call: HangingCall) { hanging.withLock { _ = $0.insert(call) } }

    /// Ends the hung calls (so the test leaves no task behind) and hangs no more.
    func releaseHungCalls() {
        hanging.withLock { $0 = [] }
        let hung = hungCalls.withLock { calls in
            defer { calls = [] }
            return calls
        }
        for continuation in hung { continuation.resume() }
    }

    private func hangIfAsked(_ call: HangingCall) async {
        if hanging.withLock({ $0.contains(call) }) {
            await withCheckedContinuation { continuation in hungCalls.withLock { $0.append(continuation) } }
        }
    }

    func close() async { await base.close() }
}
