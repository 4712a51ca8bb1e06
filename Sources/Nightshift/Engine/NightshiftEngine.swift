import Foundation
import Logging
import ServiceLifecycle

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
    private let shutdown: EngineShutdown
    private let heartbeats: InstanceHeartbeats
    private let upkeep: UpkeepRunner

    /// An engine for `jobs` over `store`. The store must be migrated.
    public init(store: any JobStore, jobs: [Job], configuration: EngineConfiguration = EngineConfiguration(), logger: Logger) {
        self.store = store
        self.jobs = jobs
        self.configuration = configuration
        self.logger = logger
        let health = StoreHealth(slowAfter: configuration.heartbeatInterval, clock: configuration.clock)
        let workers = WorkerPool(
            store: store, jobs: Dictionary(jobs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }),
            configuration: configuration, logger: logger, health: health)
        self.workers = workers
        let scheduler = Scheduler(store: store, jobs: jobs, configuration: configuration, logger: logger, health: health) {
            workers.poke()
        }
        self.scheduler = scheduler
        shutdown = EngineShutdown(scheduler: scheduler, workers: workers, configuration: configuration, logger: logger)
        heartbeats = InstanceHeartbeats(
            configuration: .init(
                interval: configuration.heartbeatInterval, instanceID: configuration.instanceID,
                concurrency: configuration.concurrency),
            store: store, workers: workers, clock: configuration.clock, logger: logger)
        upkeep = UpkeepRunner(
            services: Self.upkeepServices(
                store: store, jobs: jobs, configuration: configuration, logger: logger, heartbeats: heartbeats,
                health: health, workers: workers, scheduler: scheduler),
            abandonPassAfter: UpkeepRunner.abandonPassAfter(lease: configuration.leaseDuration), clock: configuration.clock,
            logger: logger)
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
        upkeep.wake()
    }

    /// Registers the jobs, rescues orphans, then schedules and works until graceful shutdown.
    public func run() async throws {
        try upkeep.validate()
        try await store.register(jobs.map(JobRegistration.init))
        await upkeep.start()
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
        let upkeep = Task { await self.upkeep.run() }
        // Unstructured, so that it can be left behind: a claim or a scheduler call hung in the
        // store, deaf to cancellation, kept a stopping process alive for good with every run
        // already recorded.
        let serving = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.scheduler.run() }
                group.addTask { await self.workers.run() }
                group.addTask { await self.shutdown.stopStragglersAfterGracePeriod() }
            }
        }
        // Cancellation (a sibling service failed) stops the engine the way SIGTERM does.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await self.shutdown.untilStopped(serving)
            } onGracefulShutdown: {
                self.shutDown()
            }
        } onCancel: {
            self.shutDown()
        }
        upkeep.cancel()
        if await !upkeep.ended(within: .seconds(5), clock: configuration.clock) {
            logger.warning("upkeep did not stop within 5 s: a store call hangs; stopping without it")
        }
        // Says it stopped, for the dashboard's list of instances; a store that hangs is not waited on.
        _ = await Task { await self.heartbeats.beat(stopping: true) }.ended(within: .seconds(5), clock: configuration.clock)
        logger.info("nightshift engine stopped")
    }

    /// Begins the graceful shutdown that SIGTERM begins inside a `ServiceGroup`: for an engine
    /// run outside one. ``run()`` returns once every run it executed is recorded.
    public func shutDown() {
        shutdown.begin()
    }
}
