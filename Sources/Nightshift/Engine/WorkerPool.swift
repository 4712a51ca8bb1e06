import Foundation
import Logging
import Synchronization

/// Claims runnable runs in batches and executes them, at most `concurrency` at once and at
/// most each job's `concurrency` per job; heartbeats what it holds and stops what was cancelled.
///
/// Claimed runs wait in a local buffer beyond the slots, sized to about 100 ms of work at the
/// recent completion rate and at most ``EngineConfiguration/prefetch``, so that a slot whose run
/// ends starts the next at once, without a round trip, and one claim serves many slots. Endings
/// are handed to a ``CompletionBatcher`` and written in batches.
final class WorkerPool: Sendable {
    private let store: any EngineStore
    private let jobs: [String: Job]
    private let configuration: EngineConfiguration
    private let executor: RunExecutor
    /// Where failed store calls are noted, for orphan rescue.
    private let health: StoreHealth
    private let completions: CompletionBatcher
    private let logger: Logger
    private let wake: WakeSignal
    private let state: Mutex<WorkerPoolState>
    private let draining = Atomic<Bool>(false)
    /// Whether a job has a per-job limit: those are checked claim by claim, one run at a time,
    /// so the instance then claims for free slots only, without prefetch.
    private let perJobLimited: Bool
    /// The most runs held beyond the slots.
    private let prefetch: Int
    /// Endings that tell the completion rate: one claim's worth at the start, when the
    /// instance claims for its slots only (waiting for 64 there took 7 claims of 10 no-op
    /// runs, 30 ms of W1), and at most 64.
    private let rateSample: Int
    /// Seconds of work the buffer holds at the recent completion rate.
    private let prefetchHorizon = 0.1

    init(store: any EngineStore, jobs: [String: Job], configuration: EngineConfiguration, logger: Logger, health: StoreHealth) {
        self.store = store
        self.jobs = jobs
        self.configuration = configuration
        self.executor = RunExecutor(logger: logger, metrics: configuration.metrics, clock: configuration.clock)
        self.health = health
        self.completions = CompletionBatcher(store: store, logger: logger, health: health, clock: configuration.clock)
        wake = WakeSignal(clock: configuration.clock)
        state = Mutex(WorkerPoolState(windowStart: configuration.clock.uptime))
        self.logger = logger
        perJobLimited = jobs.values.contains { $0.policies.concurrency != nil }
        prefetch = perJobLimited ? 0 : max(0, configuration.prefetch)
        rateSample = min(64, max(8, configuration.concurrency))
    }

    /// Claims and executes until ``drain()`` is called, then returns the runs still buffered to
    /// the queue and waits for executing attempts and their records (the caller stops
    /// stragglers with ``stopAll(reason:)``).
    func run() async {
        await withDiscardingTaskGroup { writer in
            writer.addTask { await self.completions.run() }
            await claimAndExecute()
            // Every slot has ended and handed in its ending: the writer writes the last batch and returns.
            completions.finish()
        }
    }

    /// The claim loop and the slots, until ``drain()``; returns when every slot has ended.
    private func claimAndExecute() async {
        await withDiscardingTaskGroup { group in
            while !draining.load(ordering: .relaxed) {
                let wanted = claimWanted()
                let claimed = wanted > 0 ? await claimBatch(wanted) : []
                let newSlots = state.withLock { $0.accept(claimed, concurrency: configuration.concurrency) }
                for _ in 0..<newSlots { group.addTask { await self.workSlot() } }
                // Slots wake the loop when the buffer runs low, enqueues and freed slots when
                // there is new work; the poll is the fallback.
                await wake.wait(for: configuration.pollInterval)
            }
            await releasePrefetched()
        }
    }

    /// Stops claiming; running attempts go on.
    func drain() {
        draining.store(true, ordering: .relaxed)
        wake.signal()
    }

    /// Wakes the claim loop at once (a run was just enqueued).
    func poke() { wake.signal() }

    /// How many endings wait for the writer (a number that stays up while the store is unreachable).
    var unwrittenEndings: Int { completions.waitingCount }

    /// How many claimed runs this instance holds: executing or waiting in the buffer.
    var runningCount: Int { state.withLock { $0.executing.count + $0.prefetched.count } }

    /// Every run this instance holds and is alive for: executing, buffered, or ended with its
    /// ending not written yet.
    var heldRunIDs: Set<UUID> {
        state.withLock { state in
            Set(state.executing.keys).union(state.recording.keys).union(state.prefetched.map(\.id))
        }
    }

    /// Ends every executing attempt with `reason`; each is recorded at once.
    func stopAll(reason: StopReason) {
        for handle in state.withLock({ Array($0.executing.values) }) { handle.close(with: .stopped(reason)) }
    }

    /// Stamps heartbeats and progress of everything held, and stops runs whose cancellation
    /// was requested (a buffered one ends cancelled without starting).
    func heartbeat() async {
        let (executing, recording, buffered) = state.withLock { ($0.executing, $0.recording, $0.prefetched) }
        guard !executing.isEmpty || !recording.isEmpty || !buffered.isEmpty else { return }
        var progress = executing.merging(recording) { current, _ in current }.mapValues(\.progress)
        for run in buffered { progress[run.id] = 0 }
        do {
            let cancelled = try await health.checked { try await store.heartbeat(progress, worker: configuration.instanceID) }
            for id in cancelled { executing[id]?.close(with: .stopped(.cancelled)) }
            let dropped = state.withLock { state -> [Run] in
                let dropped = state.prefetched.filter { cancelled.contains($0.id) }
                state.prefetched.removeAll { cancelled.contains($0.id) }
                return dropped
            }
            for run in dropped {
                let retry = jobs[run.job]?.policies.retry ?? RetryPolicy()
                completions.submit(AttemptOutcome.completion(for: run, result: .stopped(.cancelled), retry: retry))
            }
        } catch {
            logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
        }
    }

    /// How many runs to claim now: none while the buffer still holds enough, so that one claim
    /// serves many slots; otherwise enough to fill the slots and the buffer.
    private func claimWanted() -> Int {
        let now = configuration.clock.uptime
        return state.withLock { state in
            state.claimWanted(
                concurrency: configuration.concurrency, prefetchLimit: prefetch, horizon: prefetchHorizon, sample: rateSample,
                now: now)
        }
    }

    /// A slot: executes buffered runs one after another until the buffer is empty.
    private func workSlot() async {
        while let (handle, job) = takeNext() {
            let completion = await executor.execute(handle, job: job)
            let id = handle.run.id
            let now = configuration.clock.uptime
            let lowOnRuns = state.withLock { state -> Bool in
                state.executing.removeValue(forKey: id)
                state.recording[id] = handle
                state.endedInWindow += 1
                return state.prefetched.count
                    <= state.prefetch(limit: prefetch, horizon: prefetchHorizon, sample: rateSample, now: now) / 2
            }
            completions.submit(completion) { _ = self.state.withLock { $0.recording.removeValue(forKey: id) } }
            if lowOnRuns { wake.signal() }
        }
    }

    /// The next buffered run, registered as executing; nil (and the slot closed) when the
    /// buffer is empty or the pool is draining.
    private func takeNext() -> (AttemptHandle, Job)? {
        state.withLock { state -> (AttemptHandle, Job)? in
            while !state.prefetched.isEmpty, !draining.load(ordering: .relaxed) {
                let run = state.prefetched.removeLast()
                // A job unknown here was claimed by name, so it is known; skip defensively.
                guard let job = jobs[run.job] else { continue }
                let handle = AttemptHandle(run: run)
                state.executing[run.id] = handle
                return (handle, job)
            }
            state.slots -= 1
            return nil
        }
    }

    /// Returns buffered runs that never started to the queue, for this or another instance.
    private func releasePrefetched() async {
        let runs = state.withLock { state -> [Run] in
            defer { state.prefetched = [] }
            return state.prefetched
        }
        guard !runs.isEmpty else { return }
        do {
            try await store.release(runs.map(\.id), worker: configuration.instanceID)
        } catch {
            logger.warning(
                "returning prefetched runs to the queue failed; orphan rescue will requeue them",
                metadata: ["runs": "\(runs.count)", "error": "\(error)"])
        }
    }

    private func claimBatch(_ wanted: Int) async -> [Run] {
        // Counting what is held per job and queue copies every held run: only with limits.
        let limited = perJobLimited || !configuration.queueConcurrency.isEmpty
        let held = limited ? state.withLock { Array($0.executing.values.map(\.run)) + $0.prefetched } : []
        let plan = ClaimPlan(
            wanted: wanted, jobs: Array(jobs.values), held: held, queueConcurrency: configuration.queueConcurrency,
            oneRunPerClaim: perJobLimited)
        var claimed: [Run] = []
        for claim in plan.claims where claimed.count < wanted {
            do {
                let limit = min(claim.limit, wanted - claimed.count)
                claimed += try await health.checked {
                    try await store.claim(
                        limit: limit, jobs: plan.eligible, queues: claim.queues, worker: configuration.instanceID)
                }
            } catch {
                logger.warning("claim failed", metadata: ["error": "\(error)"])
            }
        }
        return claimed
    }
}
