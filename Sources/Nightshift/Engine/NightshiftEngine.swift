import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The scheduler, the worker pool, heartbeats and orphan rescue of one instance, as a
/// swift-service-lifecycle `Service`.
///
/// Run it in a `ServiceGroup` with SIGTERM and SIGINT as graceful-shutdown signals. On shutdown
/// it stops claiming, gives up the scheduler lease, lets running jobs finish within
/// ``EngineConfiguration/shutdownGracePeriod``, then stops the rest and records them (requeued
/// when they may be retried, cancelled otherwise): a clean exit never leaves a run `running`.
///
/// ```swift
/// let engine = NightshiftEngine(store: store, jobs: [job], logger: logger)
/// let group = ServiceGroup(services: [engine], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
public final class NightshiftEngine: Service, Sendable {
    private let store: any JobStore
    private let jobs: [Job]
    private let configuration: EngineConfiguration
    private let logger: Logger
    private let scheduler: Scheduler
    private let workers: WorkerPool
    private let shuttingDown = Atomic<Bool>(false)
    private let shutdownBegun: WakeSignal
    /// The same moment for the shutdown report (a signal has one waiter).
    private let shutdownReport: WakeSignal
    /// And for the wait that leaves a hung scheduler or worker behind.
    private let shutdownWatch: WakeSignal
    /// Wake the heartbeat, rescue and prune loops before their time (``wake()``).
    private let heartbeatDue: WakeSignal
    private let rescueDue: WakeSignal
    private let pruneDue: WakeSignal
    private let statisticsDue: WakeSignal
    private let alertsDue: WakeSignal
    private let health: StoreHealth
    private let alerts: AlertMonitor

    /// An engine for `jobs` over `store`. The store must be migrated.
    public init(store: any JobStore, jobs: [Job], configuration: EngineConfiguration = EngineConfiguration(), logger: Logger) {
        self.store = store
        self.jobs = jobs
        self.configuration = configuration
        self.logger = logger
        shutdownBegun = WakeSignal(clock: configuration.clock)
        shutdownReport = WakeSignal(clock: configuration.clock)
        shutdownWatch = WakeSignal(clock: configuration.clock)
        heartbeatDue = WakeSignal(clock: configuration.clock)
        rescueDue = WakeSignal(clock: configuration.clock)
        pruneDue = WakeSignal(clock: configuration.clock)
        statisticsDue = WakeSignal(clock: configuration.clock)
        alertsDue = WakeSignal(clock: configuration.clock)
        alerts = AlertMonitor(store: store, jobs: jobs, configuration: configuration, logger: logger)
        let health = StoreHealth(slowAfter: configuration.heartbeatInterval, clock: configuration.clock)
        self.health = health
        let workers = WorkerPool(
            store: store, jobs: Dictionary(jobs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }),
            configuration: configuration, logger: logger, health: health)
        self.workers = workers
        scheduler = Scheduler(store: store, jobs: jobs, configuration: configuration, logger: logger, health: health) {
            workers.poke()
        }
    }

    /// Whether this instance holds the scheduler lease.
    public var isLeader: Bool { scheduler.isLeader }

    /// Wakes idle workers at once, for code that just enqueued a run.
    public func notifyEnqueued() { workers.poke() }

    /// Wakes every loop at once (scheduler, workers, heartbeats, rescue, prune, alerts) to look at the
    /// store and the clock again: for tests that just moved a manual clock.
    package func wake() {
        scheduler.poke()
        workers.poke()
        for signal in [heartbeatDue, rescueDue, pruneDue, statisticsDue, alertsDue] { signal.signal() }
    }

    /// Registers the jobs, rescues orphans, then schedules and works until graceful shutdown.
    public func run() async throws {
        try await store.register(jobs.map(JobRegistration.init))
        await beat(stopping: false)
        await rescueOrphans()
        logger.info(
            "nightshift engine started",
            metadata: [
                "instance": "\(configuration.instanceID)", "jobs": "\(jobs.count)",
                "scheduling": "\(configuration.schedulingEnabled)",
            ])
        // The upkeep (heartbeats, rescue, prune, listening) lasts until the last run is recorded,
        // then is cancelled and awaited, but for at most five seconds: a store call that does not
        // heed cancellation (a pool waiting for a connection after an outage) kept the process
        // from exiting on SIGTERM.
        let upkeep = Task { await self.upkeep() }
        let progress = Task { await self.reportShutdownProgress() }
        // Unstructured, so that it can be left behind: a claim or a scheduler call hung in the
        // store, deaf to cancellation, kept a stopping process alive for good with every run
        // already recorded.
        let serving = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.scheduler.run() }
                group.addTask { await self.workers.run() }
                group.addTask { await self.stopStragglersAfterGracePeriod() }
            }
        }
        // Cancellation (a sibling service failed) stops the engine the way SIGTERM does.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await self.untilStopped(serving)
            } onGracefulShutdown: {
                self.shutDown()
            }
        } onCancel: {
            self.shutDown()
        }
        progress.cancel()
        upkeep.cancel()
        if await !upkeep.ended(within: .seconds(5), clock: configuration.clock) {
            logger.warning("upkeep did not stop within 5 s: a store call hangs; stopping without it")
        }
        // Says it stopped, for the dashboard's list of instances; a store that hangs is not waited on.
        _ = await Task { await self.beat(stopping: true) }.ended(within: .seconds(5), clock: configuration.clock)
        logger.info("nightshift engine stopped")
    }

    /// Begins the graceful shutdown that SIGTERM begins inside a `ServiceGroup`: for an engine
    /// run outside one. ``run()`` returns once every run it executed is recorded.
    public func shutDown() {
        guard !shuttingDown.exchange(true, ordering: .relaxed) else { return }
        logger.info(
            "shutting down: no new runs; waiting for running jobs",
            metadata: ["grace": "\(DurationText.format(configuration.shutdownGracePeriod.inSeconds))"])
        scheduler.stop()
        workers.drain()
        shutdownBegun.signal()
        shutdownReport.signal()
        shutdownWatch.signal()
    }

    /// Heartbeats, orphan rescue, pruning, alerts and listening for new runs, until cancelled.
    private func upkeep() async {
        await withDiscardingTaskGroup { group in
            group.addTask {
                await self.periodically(every: self.configuration.heartbeatInterval, or: self.heartbeatDue) {
                    await self.workers.heartbeat()
                    await self.beat(stopping: false)
                }
            }
            group.addTask {
                await self.periodically(every: self.configuration.leaseDuration, or: self.rescueDue) {
                    await self.rescueOrphans()
                }
            }
            group.addTask {
                await self.periodically(every: self.configuration.pruneInterval, or: self.pruneDue) { await self.pruneHistory() }
            }
            group.addTask {
                await self.periodically(every: RunStatistics.lag, or: self.statisticsDue) { await self.keepRunStatistics() }
            }
            group.addTask {
                await self.periodically(every: self.configuration.alerts.checkInterval, or: self.alertsDue) {
                    // Only the leader alerts, so instances do not race to notify.
                    guard self.scheduler.isLeader else { return }
                    await self.alerts.pass()
                }
            }
            if self.configuration.listenForNewRuns { group.addTask { await self.listenForNewRuns() } }
        }
    }

    /// How long after the grace period a stopping engine with every run recorded still waits for
    /// its scheduler and workers to return from the store.
    static let abandonHungCallsAfter: Duration = .seconds(5)

    /// Waits for `serving` (the scheduler and the workers) to end. Once shutdown has begun, the
    /// wait ends anyway when the grace period and ``abandonHungCallsAfter`` have passed with no
    /// run held and no ending left to write: what is left is a store call that hangs, and
    /// nothing it could still record. (Endings not yet written are waited for: they are runs.)
    private func untilStopped(_ serving: Task<Void, Never>) async {
        while !shuttingDown.load(ordering: .relaxed) { await shutdownWatch.wait(for: .seconds(3600)) }
        let clock = configuration.clock
        let patience = clock.uptime + configuration.shutdownGracePeriod + Self.abandonHungCallsAfter
        while await !serving.ended(within: .seconds(1), clock: clock) {
            if clock.uptime >= patience, workers.runningCount == 0, workers.unwrittenEndings == 0 {
                logger.warning(
                    "stopping without the scheduler and workers: a store call hangs, and every run is recorded",
                    metadata: ["schedulerStopped": "\(scheduler.hasEnded)"])
                return
            }
        }
    }

    private func stopStragglersAfterGracePeriod() async {
        while !shuttingDown.load(ordering: .relaxed) { await shutdownBegun.wait(for: .seconds(3600)) }
        let clock = configuration.clock
        let deadline = clock.uptime + configuration.shutdownGracePeriod
        // Under cancellation there is no grace: sleeping would return at once anyway.
        while workers.runningCount > 0, clock.uptime < deadline, !Task.isCancelled {
            try? await clock.sleep(for: .milliseconds(50))
        }
        if workers.runningCount > 0 {
            logger.warning("grace period over; stopping running jobs", metadata: ["count": "\(workers.runningCount)"])
            workers.stopAll(reason: .shutdown)
        }
    }

    /// Once shutdown has begun, says every ten seconds what it still waits for, until cancelled:
    /// a shutdown that takes long (a store unreachable while endings wait) shows why in the log.
    private func reportShutdownProgress() async {
        while !shuttingDown.load(ordering: .relaxed), !Task.isCancelled { await shutdownReport.wait(for: .seconds(3600)) }
        while !Task.isCancelled {
            do { try await configuration.clock.sleep(for: .seconds(10)) } catch { return }
            logger.warning(
                "still stopping",
                metadata: [
                    "runsHeld": "\(workers.runningCount)", "endingsToWrite": "\(workers.unwrittenEndings)",
                    "schedulerStopped": "\(scheduler.hasEnded)",
                ])
        }
    }

    /// Runs `body` every `seconds`, or sooner when `due` is signalled, until cancelled.
    ///
    /// A `body` that has not ended after two leases (at least a minute) is left behind and the
    /// loop goes on: a heartbeat that hung in a store call after an outage stopped every later
    /// heartbeat, and other instances then rescued runs this one was still executing.
    private func periodically(
        every period: Duration, or due: WakeSignal, _ body: @escaping @Sendable () async -> Void
    ) async {
        let limit = max(configuration.leaseDuration * 2, .seconds(60))
        while !Task.isCancelled {
            await due.wait(for: period)
            guard !Task.isCancelled else { return }
            let pass = Task { await body() }
            let ended = await withTaskCancellationHandler {
                await pass.ended(within: limit)
            } onCancel: {
                pass.cancel()
            }
            if !ended, !Task.isCancelled {
                logger.warning(
                    "an upkeep pass did not end within \(DurationText.format(limit.inSeconds)) (a store call hangs); going on without it"
                )
            }
        }
    }

    /// Writes this instance's row (alive, with how many runs it holds), or that it stopped.
    private func beat(stopping: Bool) async {
        let now = configuration.clock.now
        let instance = InstanceState(
            id: configuration.instanceID, host: ProcessInfo.processInfo.hostName,
            pid: Int(ProcessInfo.processInfo.processIdentifier), version: NightshiftVersion.current,
            concurrency: configuration.concurrency, running: workers.runningCount, startedAt: now, heartbeatAt: now)
        do {
            try await store.beat(instance, stopping: stopping)
        } catch {
            logger.debug("recording this instance's heartbeat failed", metadata: ["error": "\(error)"])
        }
    }

    /// Wakes the workers whenever a run is enqueued anywhere; reconnects after a failure.
    private func listenForNewRuns() async {
        while !Task.isCancelled {
            do {
                try await store.listenForNewRuns { [workers] in workers.poke() }
                return  // the store has no notifications
            } catch {
                guard !Task.isCancelled else { return }
                logger.notice("listening for new runs failed; polling meanwhile", metadata: ["error": "\(error)"])
                try? await configuration.clock.sleep(for: configuration.pollInterval * 5)
            }
        }
    }

    /// Deletes finished runs past their retention. Only the leader prunes, so instances do not
    /// compete for the same rows.
    private func pruneHistory() async {
        guard scheduler.isLeader else { return }
        do {
            var retention = configuration.retention
            for job in jobs { if let rule = job.policies.history { retention.jobRules[job.name] = rule } }
            let deleted = try await store.prune(retention, chunkSize: 5000)
            if deleted > 0 { logger.info("pruned finished runs past their retention", metadata: ["count": "\(deleted)"]) }
        } catch {
            logger.warning("pruning failed", metadata: ["error": "\(error)"])
        }
    }

    /// Brings the kept run statistics up to a few seconds ago. Every instance tries, so that
    /// they are kept even where no instance schedules; the store moves the mark only from where
    /// it found it, so instances trying at once wait for each other and add nothing twice. A
    /// store that never kept them catches up a week, an hour of runs per transaction.
    private func keepRunStatistics() async {
        do {
            let before = try await store.databaseNow().addingTimeInterval(-RunStatistics.lag.inSeconds)
            var mark = try await store.summarizeFinishedRuns(before: before, span: .seconds(3600))
            while mark < before, !Task.isCancelled {
                let next = try await store.summarizeFinishedRuns(before: before, span: .seconds(3600))
                // Another instance moved the mark meanwhile: it carries on.
                guard next > mark else { break }
                mark = next
            }
        } catch  where !Task.isCancelled {
            logger.warning("keeping run statistics failed", metadata: ["error": "\(error)"])
        } catch {
            // Stopping: the next start carries on from the mark.
        }
    }

    /// Rescues runs whose heartbeat is older than a lease, unless this instance saw the store
    /// fail or hang within the last lease (see ``StoreHealth``): other live instances may not
    /// have been able to heartbeat yet.
    private func rescueOrphans() async {
        let lease = configuration.leaseDuration
        do {
            try health.requireSettled(for: lease)
            let rescued = try await health.checked {
                try await store.rescueOrphans(
                    staleAfter: lease,
                    sparing: { [workers, health] in
                        // Asked again with the connection in hand: a pass that waited through an
                        // outage for it would otherwise rescue as the database comes back, before
                        // live instances heartbeat (its own wait counts as a call that hangs).
                        try health.requireSettled(for: lease)
                        return workers.heldRunIDs
                    })
            }
            for run in rescued {
                logger.warning(
                    "rescued orphaned run",
                    metadata: ["job": "\(run.job)", "run": "\(run.id)", "status": "\(run.status.rawValue)"])
            }
        } catch let unsettled as StoreUnsettled {
            logger.info(
                "orphan rescue waits a lease after the store failed or hung, so live instances heartbeat first",
                metadata: ["failedAgo": "\(unsettled.failedAgo)"])
        } catch {
            logger.warning("orphan rescue failed", metadata: ["error": "\(error)"])
        }
    }
}
