import Foundation
import Logging
import Nightshift
import NightshiftDatabase
import NightshiftSQL
import SQLKit
import Synchronization

/// The queue workloads of BENCHMARKS.md, each on a fresh database.
struct QueueBenchmark {
    let baseURL: DatabaseURL
    let logger: Logger

    /// W2: with idle workers, enqueue `jobs` runs one at a time `spacing` apart; report p50 and
    /// p99 of (start − enqueue) by the database clock.
    func latency(jobs: Int, spacing: Duration) async throws {
        let noop = try Job(name: "noop") { _ in [:] }
        try await withFreshStore { store in
            let engine = NightshiftEngine(
                store: store, jobs: [noop], configuration: EngineConfiguration(concurrency: 10, pollInterval: .seconds(1)),
                logger: logger)
            let task = Task { try await engine.run() }
            try await Task.sleep(for: .milliseconds(500))
            for _ in 0..<jobs {
                _ = try await store.enqueue([NewRun(job: "noop")])
                engine.notifyEnqueued()
                try await Task.sleep(for: spacing)
            }
            try await waitUntilDone(store)
            engine.shutDown()
            try await task.value
            let runs = try await store.runs(RunQuery(job: "noop", limit: jobs))
            let delays = runs.compactMap { run in run.startedAt.map { $0.timeIntervalSince(run.createdAt) * 1000 } }.sorted()
            report(String(format: "W2 pickup: p50 %.1f ms, p99 %.1f ms", percentile(delays, 0.5), percentile(delays, 0.99)))
        }
    }

    /// W3: an `@every 1s` job served by `instances` engines (each with its own connections) for
    /// `seconds`; fires, expected, duplicates and misses.
    func periodic(instances: Int, seconds: Int) async throws {
        let tick = try Job(name: "tick", schedule: try Schedule("@every 1s"), policies: JobPolicies(overlap: .allow)) { _ in [:] }
        try await withFreshStore { store, url in
            var stores: [SQLJobStore] = [store]
            for _ in 1..<instances { stores.append(try await SQLJobStore.open(url, logger: logger)) }
            let engines = stores.enumerated().map { index, store in
                NightshiftEngine(
                    store: store, jobs: [tick],
                    configuration: EngineConfiguration(
                        instanceID: "bench-\(index)", pollInterval: .seconds(0.2), leaseDuration: .seconds(5)),
                    logger: logger)
            }
            let tasks = engines.map { engine in Task { try await engine.run() } }
            try await Task.sleep(for: .seconds(2))  // the first lease and watermark
            let start = try await store.databaseNow()
            try await Task.sleep(for: .seconds(seconds))
            let end = start.addingTimeInterval(Double(seconds))
            for engine in engines { engine.shutDown() }
            for task in tasks { try await task.value }
            for other in stores.dropFirst() { await other.close() }
            let fires = try await store.runs(RunQuery(job: "tick", limit: 100_000)).compactMap(\.scheduledFor)
                .filter { $0 > start && $0 <= end }
            let distinct = Set(fires)
            report(
                "W3 periodic: fires=\(fires.count) expected=\(seconds) duplicates=\(fires.count - distinct.count) misses=\(max(0, seconds - distinct.count))"
            )
        }
    }

    /// Waits until no run is queued or running. Each look is two index probes (the partial
    /// indexes on queued and on running runs), not a count, so watching costs the database
    /// next to nothing while it is being measured.
    func waitUntilDone(_ store: SQLJobStore) async throws {
        while true {
            let active = try await store.pool.withDatabase { database in
                try await database.raw(
                    """
                    SELECT EXISTS (SELECT 1 FROM nightshift_runs WHERE status = 'queued')
                        OR EXISTS (SELECT 1 FROM nightshift_runs WHERE status = 'running') AS active
                    """
                ).first()?.decode(column: "active", as: Bool.self) ?? false
            }
            if !active { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func processingRate(_ store: SQLJobStore, jobs: Int) async throws -> Double {
        let runs = try await store.runs(RunQuery(limit: jobs))
        guard let first = runs.compactMap(\.startedAt).min(), let last = runs.compactMap(\.endedAt).max() else { return 0 }
        return Double(runs.count) / max(last.timeIntervalSince(first), 0.001)
    }

    private func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }

    func withFreshStore<R>(_ body: (SQLJobStore) async throws -> R) async throws -> R {
        try await withFreshStore { store, _ in try await body(store) }
    }

    /// A new database (PostgreSQL) or file (SQLite) beside `baseURL` for one workload.
    func withFreshStore<R>(_ body: (SQLJobStore, String) async throws -> R) async throws -> R {
        try await ScratchDatabase.with(beside: baseURL, prefix: "nightshift_bench", logger: logger) { url in
            try await SQLJobStore.withStore(url, logger: logger) { store in try await body(store, url) }
        }
    }
}

/// Writes one result line at once (unbuffered), so that results measured before an interruption
/// are not lost in a pipe's buffer.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
