import Foundation
import Nightshift
import NightshiftDatabase
import NightshiftSQL

extension QueueBenchmark {
    /// W1: batch-enqueue `jobs` no-op runs; then process them with `concurrency` workers,
    /// timed from the first claim to the last completion; then the same claim and completion
    /// SQL without the engine (pgbench from 1 and 2 connections on PostgreSQL, a plain loop of
    /// the store's calls on SQLite), as the ceiling the database allows.
    ///
    /// Each of `rounds` rounds measures the engine and then the ceiling, each on a fresh
    /// database, and the summary lines give the medians: on a shared 2-core machine a single
    /// run of either varies by a fifth, and interleaving them lets drift hit both alike.
    func throughput(jobs: Int, concurrency: Int, prefetch: Int?, rounds: Int) async throws {
        var configuration = EngineConfiguration(concurrency: concurrency, pollInterval: .seconds(0.05))
        if let prefetch { configuration.prefetch = prefetch }
        let batch = configuration.concurrency + configuration.prefetch
        var enqueueRates: [Double] = []
        var engineRates: [Double] = []
        var engineCPU: [Double] = []
        var ceilings: [String: [Double]] = [:]
        var ceilingNames: [String] = []
        for round in 1...rounds {
            let (enqueueRate, engineRate, cpuPerJob) = try await engineRound(jobs: jobs, configuration: configuration)
            enqueueRates.append(enqueueRate)
            engineRates.append(engineRate)
            engineCPU.append(cpuPerJob)
            report(
                String(
                    format: "W1 round %d: enqueue %d jobs/s, process %d jobs/s, engine CPU %.1f µs per job", round,
                    Int(enqueueRate), Int(engineRate), cpuPerJob * 1_000_000))
            for (name, rate) in try await ceilingRound(jobs: jobs, batch: batch) {
                if ceilings[name] == nil { ceilingNames.append(name) }
                ceilings[name, default: []].append(rate)
                report("W1 round \(round): \(name): \(Int(rate)) jobs/s")
            }
        }
        let of = rounds == 1 ? "" : " (median of \(rounds))"
        report("W1 enqueue: \(Int(median(enqueueRates))) jobs/s\(of)")
        report(
            "W1 process: \(Int(median(engineRates))) jobs/s\(of), concurrency \(configuration.concurrency), prefetch \(configuration.prefetch)"
        )
        report(String(format: "W1 engine CPU: %.1f µs per job%@ (this process, all threads)", median(engineCPU) * 1_000_000, of))
        for name in ceilingNames { report("W1 \(name): \(Int(median(ceilings[name] ?? []))) jobs/s\(of)") }
        let ceiling = ceilings.values.map(median).max() ?? 0
        report(
            "W1 engine/SQL ratio: \(String(format: "%.2f", median(engineRates) / max(ceiling, 1))) (the engine's median over the best median above)"
        )
    }

    /// One engine measurement on a fresh database: enqueue rate, processing rate, and the
    /// process's CPU seconds per job while processing.
    private func engineRound(jobs: Int, configuration: EngineConfiguration) async throws -> (Double, Double, Double) {
        let noop = try Job(name: "noop") { _ in [:] }
        return try await withFreshStore { store in
            let enqueueStart = ContinuousClock.now
            _ = try await store.enqueue((0..<jobs).map { _ in NewRun(job: "noop") })
            let enqueueRate = Double(jobs) / (ContinuousClock.now - enqueueStart).inSeconds
            let engine = NightshiftEngine(store: store, jobs: [noop], configuration: configuration, logger: logger)
            let cpuBefore = ProcessCPUClock.now()
            let task = Task { try await engine.run() }
            try await waitUntilDone(store)
            engine.shutDown()
            try await task.value
            let cpuPerJob = (ProcessCPUClock.now() - cpuBefore) / Double(jobs)
            return (enqueueRate, try await processingRate(store, jobs: jobs), cpuPerJob)
        }
    }

    /// One measurement of each ceiling, by name, each on a fresh database of `jobs` queued runs.
    private func ceilingRound(jobs: Int, batch: Int) async throws -> [(String, Double)] {
        guard case .postgres = baseURL, let pgbench = PgbenchCeiling.executable() else {
            let rate = try await withFreshStore { store in
                _ = try await store.enqueue((0..<jobs).map { _ in NewRun(job: "noop") })
                while true {
                    let claimed = try await store.claim(limit: batch, jobs: ["noop"], queues: .any, worker: "plain-loop")
                    if claimed.isEmpty { break }
                    _ = try await store.complete(
                        claimed.map { RunCompletion(runID: $0.id, job: $0.job, attempt: $0.attempt, outcome: .succeeded) })
                }
                return try await processingRate(store, jobs: jobs)
            }
            return [("same store calls in a plain loop, claims of \(batch)", rate)]
        }
        var rates: [(String, Double)] = []
        for clients in [1, 2] {
            let rate = try await withFreshStore { store, url in
                _ = try await store.enqueue((0..<jobs).map { _ in NewRun(job: "noop") })
                try await PgbenchCeiling(store: store, url: try DatabaseURL(url))
                    .run(pgbench: pgbench, job: "noop", jobs: jobs, batch: batch, clients: clients)
                return try await processingRate(store, jobs: jobs)
            }
            rates.append(("same SQL in pgbench, claims of \(batch), \(clients) client\(clients == 1 ? "" : "s")", rate))
        }
        return rates
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
