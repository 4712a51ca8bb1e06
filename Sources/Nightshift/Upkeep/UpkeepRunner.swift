import Logging

/// Runs an engine's upkeep services in one task group, each pass after its period or sooner on
/// ``wake()``, until cancelled.
///
/// A pass that has not ended after ``abandonPassAfter`` is left behind and its service goes on:
/// a heartbeat that hung in a store call after an outage stopped every later heartbeat, and
/// other instances then rescued runs this one was still executing. That is the one place store
/// calls that ignore cancellation are bounded for the upkeep.
final class UpkeepRunner: Sendable {
    /// The services, in the order their start passes run.
    let services: [any UpkeepService]
    private let due: [WakeSignal]
    private let abandonPassAfter: Duration
    private let clock: any EngineClock
    private let logger: Logger

    /// How long a pass may take before it is left behind: two leases, and at least a minute.
    static func abandonPassAfter(lease: Duration) -> Duration { max(lease * 2, .seconds(60)) }

    /// A runner for `services`, timing with `clock`.
    init(services: [any UpkeepService], abandonPassAfter: Duration, clock: any EngineClock, logger: Logger) {
        self.services = services
        self.due = services.map { _ in WakeSignal(clock: clock) }
        self.abandonPassAfter = abandonPassAfter
        self.clock = clock
        self.logger = logger
    }

    /// Checks every service's settings.
    func validate() throws(UpkeepSettingError) {
        for service in services { try service.validate() }
    }

    /// Runs the start passes of the services that have one, one after the other.
    func start() async {
        for service in services where service.passesAtStart { await service.pass() }
    }

    /// Wakes every service for a pass now: for tests that just moved a manual clock.
    func wake() {
        for signal in due { signal.signal() }
    }

    /// Runs every service until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            for (service, due) in zip(services, due) {
                group.addTask {
                    guard let period = service.period else { return await service.pass() }
                    await self.repeatPasses(of: service, every: period, or: due)
                }
            }
        }
    }

    private func repeatPasses(of service: any UpkeepService, every period: Duration, or due: WakeSignal) async {
        while !Task.isCancelled {
            await due.wait(for: period)
            guard !Task.isCancelled else { return }
            // Unstructured so that a pass hung in a store call deaf to cancellation can be left
            // behind: a child task would keep the group, and so the engine's stop, waiting on it.
            let pass = Task { await service.pass() }
            // Real time, not the engine's clock: a store call hangs in real time, and a test that
            // moves a manual clock by hours must not leave passes behind.
            let ended = await withTaskCancellationHandler {
                await pass.ended(within: abandonPassAfter)
            } onCancel: {
                pass.cancel()
            }
            if !ended, !Task.isCancelled {
                logger.warning(
                    "an upkeep pass did not end within \(DurationText.format(abandonPassAfter.inSeconds)) (a store call hangs); going on without it",
                    metadata: ["service": "\(service.name)"])
            }
        }
    }
}
