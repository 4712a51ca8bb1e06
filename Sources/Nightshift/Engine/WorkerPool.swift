import Foundation
import Logging
import Synchronization

/// Claims runnable runs in batches and executes them, at most `concurrency` at once and at
/// most each job's `concurrency` per job; heartbeats what it runs and stops what was cancelled.
final class WorkerPool: Sendable {
    private let store: any JobStore
    private let jobs: [String: Job]
    private let configuration: EngineConfiguration
    private let executor: RunExecutor
    private let completions: CompletionBatcher
    private let logger: Logger
    private let wake = WakeSignal()
    private let attempts = Mutex<[UUID: AttemptHandle]>([:])
    private let draining = Atomic<Bool>(false)

    init(store: any JobStore, jobs: [String: Job], configuration: EngineConfiguration, logger: Logger) {
        self.store = store
        self.jobs = jobs
        self.configuration = configuration
        self.executor = RunExecutor(logger: logger, metrics: configuration.metrics)
        self.completions = CompletionBatcher(store: store)
        self.logger = logger
    }

    /// Claims and executes until ``drain()`` is called, then waits for running attempts (the
    /// caller stops stragglers with ``stopAll(reason:)``).
    func run() async {
        await withDiscardingTaskGroup { group in
            while !draining.load(ordering: .relaxed) {
                // Busy: let a few more attempts end first, so one claim (and one commit) serves
                // several slots instead of one.
                if runningCount > 0, runningCount < configuration.concurrency {
                    try? await Task.sleep(for: .milliseconds(2))
                }
                let claimed = await claimBatch()
                for run in claimed {
                    guard let job = jobs[run.job] else { continue }
                    let handle = AttemptHandle(run: run)
                    attempts.withLock { $0[run.id] = handle }
                    group.addTask { await self.execute(handle, job: job) }
                }
                await wake.wait(seconds: claimed.isEmpty ? configuration.pollInterval : 0)
            }
        }
    }

    /// Stops claiming; running attempts go on.
    func drain() {
        draining.store(true, ordering: .relaxed)
        wake.signal()
    }

    /// Wakes the claim loop at once (a run was just enqueued).
    func poke() { wake.signal() }

    /// How many attempts are executing.
    var runningCount: Int { attempts.withLock { $0.count } }

    /// Ends every executing attempt with `reason`; each is recorded at once.
    func stopAll(reason: StopReason) {
        for handle in attempts.withLock({ Array($0.values) }) { handle.close(with: .stopped(reason)) }
    }

    /// Stamps heartbeats and progress of everything executing, and stops runs whose
    /// cancellation was requested.
    func heartbeat() async {
        let running = attempts.withLock { $0 }
        guard !running.isEmpty else { return }
        do {
            let cancelled = try await store.heartbeat(running.mapValues(\.progress), worker: configuration.instanceID)
            for id in cancelled { running[id]?.close(with: .stopped(.cancelled)) }
        } catch {
            logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
        }
    }

    private func claimBatch() async -> [Run] {
        let running = attempts.withLock { Array($0.values.map(\.run)) }
        let free = configuration.concurrency - running.count
        guard free > 0 else { return [] }
        let busyJobs = Dictionary(grouping: running, by: \.job).mapValues(\.count)
        let busyQueues = Dictionary(grouping: running, by: \.queue).mapValues(\.count)
        let eligible = jobs.values.filter { job in
            guard let limit = job.policies.concurrency else { return true }
            return busyJobs[job.name, default: 0] < limit
        }.map(\.name)
        guard !eligible.isEmpty else { return [] }
        // A job with a per-job limit gets at most one new run per claim, so a batch cannot overshoot it.
        let perJobLimited = jobs.values.contains { $0.policies.concurrency != nil }
        var claims: [(limit: Int, queues: QueueFilter)] = []
        var remaining = free
        for (queue, limit) in configuration.queueConcurrency.sorted(by: { $0.key < $1.key }) {
            let room = min(remaining, limit - busyQueues[queue, default: 0])
            if room > 0 { claims.append((room, .only([queue]))) }
        }
        claims.append((remaining, .excluding(Array(configuration.queueConcurrency.keys))))
        var claimed: [Run] = []
        for claim in claims where remaining > 0 {
            do {
                let batch = try await store.claim(
                    limit: perJobLimited ? 1 : min(claim.limit, remaining), jobs: eligible, queues: claim.queues,
                    worker: configuration.instanceID)
                claimed += batch
                remaining -= batch.count
            } catch {
                logger.warning("claim failed", metadata: ["error": "\(error)"])
            }
        }
        return claimed
    }

    private func execute(_ handle: AttemptHandle, job: Job) async {
        let completion = await executor.execute(handle, job: job)
        await record(completion)
        attempts.withLock { _ = $0.removeValue(forKey: handle.run.id) }
        wake.signal()
    }

    private func record(_ completion: RunCompletion) async {
        // The run's outcome must not be lost to a passing database error: retry a few times.
        for delay in [0.0, 0.5, 2, 5] {
            if delay > 0 { try? await Task.sleep(for: .seconds(delay)) }
            do {
                if try await !completions.complete(completion) {
                    logger.notice(
                        "run was rescued or cancelled meanwhile; outcome not recorded", metadata: ["run": "\(completion.runID)"])
                }
                return
            } catch {
                logger.warning("recording the run failed", metadata: ["run": "\(completion.runID)", "error": "\(error)"])
            }
        }
    }
}
