import Foundation
import Logging
import Nightshift
import NightshiftSQL
import SQLKit
import Synchronization

/// Dashboards refreshing live while the engine works through a queue kept full (W1 without an
/// end): PostgreSQL's CPU and the engine's rate without the dashboards, with them, and without
/// them again, so drift shows.
struct LiveDashboardBenchmark {
    let url: String
    let logger: Logger

    /// The pages the dashboards show, one each in turn (a dashboard refreshes the page it is on).
    static let pages = ["/", "/jobs", "/runs", "/queues", "/failures"]

    func run(dashboards: Int, seconds: Int, jobs jobCount: Int) async throws {
        try await SQLJobStore.withStore(url, logger: logger) { store in
            let server = try await PostgresServerCPU(store: store)
            let noop = try Job(name: "noop") { _ in [:] }
            let shown = try (0..<jobCount).map { index in
                try Job(name: "job-\(index)", schedule: try Schedule("*/5 * * * *")) { _ in [:] }
            }
            let engine = NightshiftEngine(
                store: store, jobs: [noop],
                configuration: EngineConfiguration(concurrency: 10, pollInterval: .seconds(0.05)), logger: logger)
            let tally = LiveTally()
            let producing = Task {
                // Keeps 10,000 to 20,000 runs waiting in a queue of their own, so the engine never runs dry.
                while !Task.isCancelled {
                    let waiting = try await store.queueSummaries()["live"]?.depth ?? 0
                    if waiting < 10_000 {
                        _ = try await store.enqueue((0..<10_000).map { _ in NewRun(job: "noop", queue: "live") })
                        tally.enqueued.add(10_000, ordering: .relaxed)
                        engine.notifyEnqueued()
                    } else {
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
            }
            let working = Task { try await engine.run() }
            let client = try await DashboardClient(store: store, jobs: shown + [noop], logger: logger)
            func processed() async throws -> Int {
                tally.enqueued.load(ordering: .relaxed) - (try await store.queueSummaries()["live"]?.depth ?? 0)
            }
            try await Task.sleep(for: .seconds(10))
            print(
                "phase                 jobs/s   PostgreSQL CPU (cores)   Nightshift CPU (cores)   page loads   page p95 ms")
            var without: [Double] = []
            var with = 0.0
            for phase in ["without dashboards", "with \(dashboards) dashboards", "without dashboards"] {
                let live = phase.hasPrefix("with ")
                tally.times.withLock { $0 = [] }
                let refreshing = (0..<(live ? dashboards : 0)).map { index in
                    Task {
                        let page = Self.pages[index % Self.pages.count]
                        while !Task.isCancelled {
                            let start = ContinuousClock.now
                            try await client.load(page)
                            let elapsed = ContinuousClock.now - start
                            tally.times.withLock {
                                $0.append(
                                    Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
                            }
                            // The page's script refreshes two seconds after the last answer.
                            try await Task.sleep(for: .seconds(2))
                        }
                    }
                }
                let cpuBefore = try server.cpuSeconds()
                let ownBefore = ProcessCPUClock.now()
                let doneBefore = try await processed()
                let start = ContinuousClock.now
                try await Task.sleep(for: .seconds(seconds))
                let elapsed = (ContinuousClock.now - start).inSeconds
                let cores = (try server.cpuSeconds() - cpuBefore) / elapsed
                let own = (ProcessCPUClock.now() - ownBefore) / elapsed
                let rate = Double(try await processed() - doneBefore) / elapsed
                for task in refreshing { task.cancel() }
                let loads = tally.times.withLock { $0.sorted() }
                let p95 = loads.isEmpty ? 0 : loads[min(loads.count - 1, Int(Double(loads.count) * 0.95))]
                print(
                    phase.padding(toLength: 20, withPad: " ", startingAt: 0)
                        + String(format: " %8.0f   %22.3f   %22.3f   %10d   %11.1f", rate, cores, own, loads.count, p95))
                if live { with = cores } else { without.append(cores) }
            }
            let baseline = without.reduce(0, +) / Double(max(1, without.count))
            print(
                String(
                    format: "%d dashboards refreshing live added %.1f%% to PostgreSQL's CPU (%.3f against %.3f cores)",
                    dashboards, (with - baseline) / max(baseline, 0.001) * 100, with, baseline))
            producing.cancel()
            _ = await producing.result
            engine.shutDown()
            try await working.value
        }
    }
}

/// What the benchmark's tasks count: runs enqueued, and page load times of the phase, in ms.
private final class LiveTally: Sendable {
    let enqueued = Atomic<Int>(0)
    let times = Mutex<[Double]>([])
}
