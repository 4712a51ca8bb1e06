import Foundation
import Logging
import Synchronization

/// Turns due fires into runs while this instance holds the scheduler lease.
///
/// Each tick takes or renews the lease (with the database's clock), plans every scheduled job's
/// fires from its durable watermark (see ``FirePlanner``), records them under the unique key
/// (job, scheduled_for), and moves the watermark. A duplicate fire is impossible even if two
/// instances both believe they lead: the unique key, not the lease, decides.
package final class Scheduler: Sendable {
    static let leaseName = "scheduler"

    private let store: any EngineStore & HistoryStore
    private let jobs: [Job]
    private let configuration: EngineConfiguration
    private let logger: Logger
    private let wake: WakeSignal
    private let stopping = Atomic<Bool>(false)
    private let ended = Atomic<Bool>(false)
    /// The wait for the current tick, which ``stop()`` ends.
    private let tickWait = Mutex<Task<Duration?, Never>?>(nil)
    private let leading = Atomic<Bool>(false)
    /// Until when, by this process's monotonic clock, the lease last taken is surely still
    /// ours: counted from before the request, so a renewal that is late or fails never lets
    /// this instance go on believing it leads after another may have taken over.
    private let leaseValidUntil = Mutex<Duration?>(nil)
    private let onQueued: @Sendable () -> Void
    /// Where failed store calls are noted, for orphan rescue.
    private let health: StoreHealth

    /// `onQueued` is called after fires were queued, so local workers start them at once.
    package init(
        store: any EngineStore & HistoryStore, jobs: [Job], configuration: EngineConfiguration, logger: Logger,
        health: StoreHealth,
        onQueued: @escaping @Sendable () -> Void
    ) {
        self.onQueued = onQueued
        self.health = health
        self.store = store
        self.jobs = jobs.filter { $0.schedule != nil }
        self.configuration = configuration
        self.logger = logger
        wake = WakeSignal(clock: configuration.clock)
    }

    /// Whether this instance holds the scheduler lease now: it took it on its last tick and
    /// that lease has not run out since.
    var isLeader: Bool {
        guard leading.load(ordering: .relaxed), let until = leaseValidUntil.withLock({ $0 }) else { return false }
        return configuration.clock.uptime < until
    }

    /// Ticks until ``stop()``, then gives the lease up so another instance takes over at once.
    func run() async {
        while !stopping.load(ordering: .relaxed) {
            let pause = await boundedTick()
            await wake.wait(for: pause)
        }
        if leading.load(ordering: .relaxed) {
            let release = Task<Void, Never> { [store, configuration] in
                _ = try? await store.releaseLease(Self.leaseName, holder: configuration.instanceID)
            }
            // At most five seconds: a lease not released runs out by itself.
            await release.ended(within: .seconds(5))
            leading.store(false, ordering: .relaxed)
            leaseValidUntil.withLock { $0 = nil }
            configuration.metrics.leader(false)
            logger.info("scheduler lease released")
        }
        ended.store(true, ordering: .relaxed)
    }

    /// Whether ``run()`` has returned.
    var hasEnded: Bool { ended.load(ordering: .relaxed) }

    /// A tick, given up on after two leases (at least a minute), and at once when ``stop()`` is
    /// called meanwhile. After a PostgreSQL outage, a store call of a tick once never returned:
    /// the instance never scheduled again, and never exited on SIGTERM. The abandoned tick is left
    /// behind; the lease it would have renewed runs out, and the next tick takes it again.
    private func boundedTick() async -> Duration {
        let tick = Task { await self.tick() }
        let limit = max(configuration.leaseDuration * 2, .seconds(60))
        // Real time, not the engine's clock: this guards against calls that hang for real, and
        // must not add sleepers to a test's manual clock. ``stop()`` cancels the wait.
        let wait = Task { await tick.value(within: limit) }
        tickWait.withLock { $0 = wait }
        defer { tickWait.withLock { $0 = nil } }
        if stopping.load(ordering: .relaxed) { wait.cancel() }
        if let pause = await wait.value { return pause }
        if stopping.load(ordering: .relaxed) {
            // A tick that is only slow gets a little longer, so that the lease it may still take
            // is not taken after ``run()`` released it.
            return await tick.value(within: .seconds(5)) ?? .zero
        }
        logger.warning(
            "a scheduler tick did not end within \(DurationText.format(limit.inSeconds)) (a store call hangs); going on without it"
        )
        return .zero
    }

    /// Starts the next tick at once.
    func poke() { wake.signal() }

    /// Ends ``run()`` after the current tick.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        wake.signal()
        tickWait.withLock { $0 }?.cancel()
    }

    /// One pass; returns how long to wait before the next.
    @discardableResult
    package func tick() async -> Duration {
        let renewEvery = configuration.heartbeatInterval
        do {
            // The leader fires only its own jobs' schedules: an instance with none (`nightshift
            // serve` pointed at an app's store for its dashboard) that took the lease left every
            // schedule of the app's instances unfired. It leads only where no job has one.
            if !jobs.contains(where: { $0.schedule != nil }),
                try await health.checked({ try await store.jobStates() }).contains(where: { $0.schedule != nil && $0.enabled })
            {
                if leading.load(ordering: .relaxed) {
                    try await store.releaseLease(Self.leaseName, holder: configuration.instanceID)
                    leaseValidUntil.withLock { $0 = nil }
                    leading.store(false, ordering: .relaxed)
                    configuration.metrics.leader(false)
                    logger.info("left scheduler leadership to an instance with scheduled jobs")
                }
                return renewEvery
            }
            let requested = configuration.clock.uptime
            let leader = try await health.checked {
                try await store.acquireLease(
                    Self.leaseName, holder: configuration.instanceID, duration: configuration.leaseDuration)
            }
            leaseValidUntil.withLock { $0 = leader ? requested + configuration.leaseDuration : nil }
            if leader != leading.load(ordering: .relaxed) {
                logger.info(leader ? "became scheduler leader" : "lost scheduler leadership")
                leading.store(leader, ordering: .relaxed)
            }
            configuration.metrics.leader(leader)
            guard leader else { return renewEvery }
            let now = try await store.databaseNow()
            let states = Dictionary(try await store.jobStates().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            var nextDue = now.addingTimeInterval(renewEvery.inSeconds)
            for job in jobs {
                guard let schedule = job.schedule else { continue }
                let state = states[job.name]
                let active = configuration.schedulingEnabled && job.enabled && !(state?.paused ?? false)
                try await materialize(job, schedule: schedule, state: state, now: now, active: active)
                if let next = schedule.nextFire(after: now), next < nextDue { nextDue = next }
            }
            return .seconds(max(0.01, nextDue.timeIntervalSince(now)))
        } catch {
            health.noteFailure()
            logger.warning("scheduler tick failed", metadata: ["error": "\(error)"])
            return renewEvery
        }
    }

    /// Why fires the plan drops are not run, as their skipped runs say.
    static func missedReason(_ policies: JobPolicies) -> String {
        switch policies.catchUp {
        case .none: return "missed: due while no scheduler ran (catch_up: none runs only a fire that is on time)"
        case .latest: return "missed: due while no scheduler ran (catch_up: latest runs only the newest)"
        case .all: return "missed: due while no scheduler ran, beyond max_catch_up (\(policies.maxCatchUp))"
        }
    }

    private func materialize(_ job: Job, schedule: Schedule, state: JobState?, now: Date, active: Bool) async throws {
        let plan = FirePlanner.plan(
            schedule: schedule, policies: job.policies, watermark: state?.watermark, now: now,
            onTimeTolerance: configuration.leaseDuration, active: active)
        var fires = plan.fires.map {
            ScheduledFire(
                job: job.name, scheduledFor: $0, maxAttempts: job.policies.retry.maxAttempts,
                overlap: job.policies.overlap, queue: job.policies.queue)
        }
        if plan.dropped > 0 {
            logger.notice(
                "missed fires not run by the catch-up policy",
                metadata: ["job": "\(job.name)", "count": "\(plan.dropped)", "catchUp": "\(job.policies.catchUp.rawValue)"])
            // Each missed fire is a `skipped` run, so history shows the gap, and is counted for
            // the `missed` alert, in the same transaction.
            var missed = plan.missed.map {
                var fire = ScheduledFire(
                    job: job.name, scheduledFor: $0, maxAttempts: job.policies.retry.maxAttempts, overlap: .allow,
                    queue: job.policies.queue)
                fire.missedReason = Self.missedReason(job.policies)
                return fire
            }
            if !missed.isEmpty { missed[0].missedCount += plan.missedUnlisted }
            fires = missed + fires
        }
        if !fires.isEmpty {
            let outcomes = try await store.recordFires(fires)
            if outcomes.contains(.queued) { onQueued() }
            for (fire, outcome) in zip(fires, outcomes) where outcome != .duplicate && fire.missedReason == nil {
                logger.info(
                    "fire recorded",
                    metadata: [
                        "job": "\(job.name)", "scheduledFor": "\(ISO8601Format.string(from: fire.scheduledFor))",
                        "outcome": "\(outcome.rawValue)",
                    ])
            }
        }
        if let watermark = plan.watermark, watermark != state?.watermark {
            try await store.advanceWatermark(job: job.name, to: watermark)
        }
    }
}
