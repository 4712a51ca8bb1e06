import Logging
import Synchronization

/// An engine's graceful shutdown: no new claims or fires, running jobs get the grace period,
/// then are stopped and recorded; and a stop that waits only on a store call that hangs, with
/// every run recorded, ends anyway.
final class EngineShutdown: Sendable {
    private let scheduler: Scheduler
    private let workers: WorkerPool
    private let configuration: EngineConfiguration
    private let logger: Logger
    private let shuttingDown = Atomic<Bool>(false)
    /// Signalled when shutdown begins, for the wait on the scheduler and workers.
    private let begun: WakeSignal
    /// The same moment for the grace period's watch (a signal has one waiter).
    private let stragglersDue: WakeSignal

    init(scheduler: Scheduler, workers: WorkerPool, configuration: EngineConfiguration, logger: Logger) {
        self.scheduler = scheduler
        self.workers = workers
        self.configuration = configuration
        self.logger = logger
        begun = WakeSignal(clock: configuration.clock)
        stragglersDue = WakeSignal(clock: configuration.clock)
    }

    /// Begins the shutdown, once: the scheduler stops and gives up its lease, the workers stop
    /// claiming and drain.
    func begin() {
        guard !shuttingDown.exchange(true, ordering: .relaxed) else { return }
        logger.info(
            "shutting down: no new runs; waiting for running jobs",
            metadata: ["grace": "\(DurationText.format(configuration.shutdownGracePeriod.inSeconds))"])
        scheduler.stop()
        workers.drain()
        begun.signal()
        stragglersDue.signal()
    }

    /// How long after the grace period a stopping engine with every run recorded still waits for
    /// its scheduler and workers to return from the store.
    static let abandonHungCallsAfter: Duration = .seconds(5)

    /// Waits for `serving` (the scheduler and the workers) to end. Once shutdown has begun, the
    /// wait ends anyway when the grace period and ``abandonHungCallsAfter`` have passed with no
    /// run held and no ending left to write: what is left is a store call that hangs, and
    /// nothing it could still record. (Endings not yet written are waited for: they are runs.)
    /// While it waits, says every ten seconds what it still waits for.
    func untilStopped(_ serving: Task<Void, Never>) async {
        while !shuttingDown.load(ordering: .relaxed) { await begun.wait(for: .seconds(3600)) }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.reportProgress() }
            await waitForServing(serving)
            group.cancelAll()
        }
    }

    private func waitForServing(_ serving: Task<Void, Never>) async {
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

    /// Once shutdown has begun, stops the jobs still running when the grace period is over.
    func stopStragglersAfterGracePeriod() async {
        while !shuttingDown.load(ordering: .relaxed) { await stragglersDue.wait(for: .seconds(3600)) }
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

    /// Says every ten seconds what the stop still waits for, until cancelled: a shutdown that
    /// takes long (a store unreachable while endings wait) shows why in the log.
    private func reportProgress() async {
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
}
