import Logging

extension NightshiftEngine {
    /// The upkeep services, in the order their start passes run: heartbeats first, then the
    /// rescue of what a crash left behind.
    static func upkeepServices(
        store: any JobStore, jobs: [Job], configuration: EngineConfiguration, logger: Logger,
        heartbeats: InstanceHeartbeats, health: StoreHealth, workers: WorkerPool, scheduler: Scheduler
    ) -> [any UpkeepService] {
        var retention = configuration.retention
        for job in jobs { if let rule = job.policies.history { retention.jobRules[job.name] = rule } }
        let isLeader: @Sendable () -> Bool = { scheduler.isLeader }
        var services: [any UpkeepService] = [
            heartbeats,
            OrphanRescue(
                configuration: .init(staleAfter: configuration.leaseDuration), store: store, health: health,
                held: { workers.heldRunIDs }, logger: logger),
            HistoryPruning(
                configuration: .init(interval: configuration.pruneInterval, retention: retention), store: store,
                isLeader: isLeader, logger: logger),
            RunStatisticsKeeping(configuration: .init(), store: store, logger: logger),
            AlertChecks(
                monitor: AlertMonitor(store: store, jobs: jobs, configuration: configuration, logger: logger),
                interval: configuration.alerts.checkInterval, isLeader: isLeader),
        ]
        if configuration.listenForNewRuns {
            services.append(
                NewRunListening(
                    configuration: .init(retryAfter: configuration.pollInterval * 5), store: store,
                    wake: { workers.poke() }, clock: configuration.clock, logger: logger))
        }
        return services
    }
}
