import CoreMetrics
import Foundation

/// What the engine reports through swift-metrics: finished runs by job and status, run
/// durations, scheduler lag (start − scheduled fire), and whether this instance leads.
///
/// Names follow Prometheus conventions: `nightshift_runs_total{job,status}`,
/// `nightshift_run_duration_seconds{job}`, `nightshift_scheduler_lag_seconds{job}`,
/// `nightshift_leader`.
public struct EngineMetrics: Sendable {
    private let factory: any MetricsFactory

    /// Metrics through `factory`; `MetricsSystem.factory` when nil.
    public init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory ?? MetricsSystem.factory
    }

    func runEnded(job: String, status: String, duration: Duration) {
        Counter(label: "nightshift_runs_total", dimensions: [("job", job), ("status", status)], factory: factory).increment()
        Timer(label: "nightshift_run_duration_seconds", dimensions: [("job", job)], factory: factory)
            .recordNanoseconds(
                Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    func started(_ run: Run) {
        guard let scheduledFor = run.scheduledFor, let startedAt = run.startedAt else { return }
        let lag = max(0, startedAt.timeIntervalSince(scheduledFor))
        Timer(label: "nightshift_scheduler_lag_seconds", dimensions: [("job", run.job)], factory: factory)
            .recordNanoseconds(Int64(lag * 1_000_000_000))
    }

    func leader(_ isLeader: Bool) {
        Gauge(label: "nightshift_leader", factory: factory).record(isLeader ? 1 : 0)
    }
}
