import ArgumentParser
import Foundation
import Logging
import Nightshift
import NightshiftDatabase
import NightshiftSQL

/// `nightshift-bench`: the measurements that go into BENCHMARKS.md, as a program of its own so
/// that the `nightshift` users install carries none of it.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightshift-bench", abstract: "Benchmarks (see BENCHMARKS.md).",
        subcommands: [
            QueueBenchCommand.self, MaintenanceBenchCommand.self, DashboardBenchCommand.self, LiveDashboardBenchCommand.self,
        ])
}

/// `nightshift-bench queue`: enqueue and processing throughput (W1), pickup latency (W2), and
/// exactly-once periodic fires across instances (W3), on a fresh schema.
struct QueueBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Queue throughput, pickup latency and periodic exactness on a fresh schema.")

    @Option(
        help: "The server or file to measure: postgres://user@host/db (a fresh database is created beside it) or sqlite:path.")
    var store: String

    @Option(help: "Jobs for W1.")
    var jobs = 20_000

    @Option(help: "Concurrency of the processing instance in W1.")
    var concurrency = 10

    @Option(help: "Runs the W1 instance may hold beyond its slots (default: the engine's, 1000).")
    var prefetch: Int?

    @Option(help: "W1 rounds, each measuring the engine and the ceiling; the summary lines give medians.")
    var rounds = 3

    @Option(help: "Instances serving the periodic job in W3.")
    var processes = 2

    @Option(help: "W1, W2, W3 or all.")
    var workload = "all"

    @Option(help: "Seconds W3 runs.")
    var seconds = 60

    func validate() throws {
        guard ["W1", "W2", "W3", "all"].contains(workload) else { throw ValidationError("--workload is W1, W2, W3 or all") }
        guard jobs > 0, concurrency > 0, processes > 0, seconds > 0, rounds > 0, (prefetch ?? 0) >= 0 else {
            throw ValidationError("counts must be positive")
        }
    }

    func run() async throws {
        var logger = Logger(label: "nightshift-bench")
        logger.logLevel = .error
        let benchmark = QueueBenchmark(baseURL: try DatabaseURL(store), logger: logger)
        if workload == "W1" || workload == "all" {
            try await benchmark.throughput(jobs: jobs, concurrency: concurrency, prefetch: prefetch, rounds: rounds)
        }
        if workload == "W2" || workload == "all" { try await benchmark.latency(jobs: 500, spacing: .milliseconds(10)) }
        if workload == "W3" || workload == "all" { try await benchmark.periodic(instances: processes, seconds: seconds) }
    }
}

/// `nightshift-bench maintenance`: rollup, purge and counter-flush against the plain SQL (or
/// the per-key loop) they replace, on generated data in a fresh PostgreSQL database.
struct MaintenanceBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintenance", abstract: "Rollup, purge and counter-flush against plain SQL, on generated data.")

    @Option(help: "A PostgreSQL server: postgres://user@host/db (a fresh database is created beside it).")
    var store: String

    @Option(help: "A Redis server for the flush: redis://host:port/db (its keys are removed afterwards).")
    var redis: String?

    @Option(help: "Events for the rollup.")
    var events = 5_000_000

    @Option(help: "Rows for the purge (half of them are purged).")
    var rows = 10_000_000

    @Option(help: "Redis keys for the flush.")
    var keys = 1_000_000

    @Option(help: "rollup, purge, flush or all.")
    var workload = "all"

    func validate() throws {
        guard ["rollup", "purge", "flush", "all"].contains(workload) else {
            throw ValidationError("--workload is rollup, purge, flush or all")
        }
        guard events >= 100, rows > 0, keys > 0 else { throw ValidationError("counts must be positive (events at least 100)") }
    }

    func run() async throws {
        var logger = Logger(label: "nightshift-bench")
        logger.logLevel = .error
        let benchmark = MaintenanceBenchmark(baseURL: try DatabaseURL(store), redisURL: redis, logger: logger)
        if workload == "rollup" || workload == "all" { try await benchmark.rollup(events: events) }
        if workload == "purge" || workload == "all" { try await benchmark.purge(rows: rows) }
        if workload == "flush" || workload == "all" { try await benchmark.flush(keys: keys) }
    }
}

/// `nightshift-bench dashboard`: every dashboard page loaded repeatedly against millions of runs,
/// beside the naive queries, on a fresh PostgreSQL database.
struct DashboardBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard", abstract: "Dashboard pages at scale against naive queries, on generated history.")

    @Option(help: "A PostgreSQL server: postgres://user@host/db (a fresh database is created beside it).")
    var store: String

    @Option(help: "Finished runs, over 30 days.")
    var runs = 10_000_000

    @Option(help: "Jobs they belong to.")
    var jobs = 200

    @Option(help: "Queued runs.")
    var queued = 100_000

    @Option(help: "Loads of each page.")
    var loads = 200

    @Flag(help: "Measure the database --store names as it is, filled by an earlier run (see --keep); nothing is generated.")
    var existing = false

    @Flag(help: "Keep the generated database and print its URL, for later runs with --existing.")
    var keep = false

    func validate() throws {
        guard runs >= 100, jobs > 0, queued >= 0, loads > 0 else { throw ValidationError("counts must be positive") }
    }

    func run() async throws {
        var logger = Logger(label: "nightshift-bench")
        logger.logLevel = .error
        let benchmark = DashboardBenchmark(baseURL: try DatabaseURL(store), logger: logger)
        if existing {
            try await benchmark.measure(store, jobs: jobs, loads: loads)
        } else {
            try await benchmark.run(runs: runs, jobs: jobs, queued: queued, loads: loads, keep: keep)
        }
    }
}

/// `nightshift-bench live-dashboards`: PostgreSQL's CPU while the engine works through a full
/// queue, without and with dashboards refreshing live.
struct LiveDashboardBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live-dashboards",
        abstract: "PostgreSQL's CPU with and without dashboards refreshing live while the engine processes a full queue.")

    @Option(
        help:
            "A PostgreSQL store on this machine, used as it is (for example one filled by `dashboard --keep`): the queue is added to it."
    )
    var store: String

    @Option(help: "Dashboards refreshing live.")
    var dashboards = 5

    @Option(help: "Seconds of each phase.")
    var seconds = 60

    @Option(help: "The jobs the dashboards list (job-0 …), as in the store's history.")
    var jobs = 200

    func run() async throws {
        var logger = Logger(label: "nightshift-bench")
        logger.logLevel = .error
        try await LiveDashboardBenchmark(url: store, logger: logger).run(dashboards: dashboards, seconds: seconds, jobs: jobs)
    }
}
