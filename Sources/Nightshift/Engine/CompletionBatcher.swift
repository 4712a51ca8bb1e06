import Foundation
import Logging
import Synchronization

/// Writes attempt endings in batches: endings handed in while a write is in flight go out
/// together in the next one, so a busy instance commits once for many runs instead of once per
/// run, and an idle one still writes each ending at once. Handing in does not wait for the
/// write, so a worker slot is free for its next run while the ending is being recorded.
///
/// One long-lived writer, ``run()``, a child of the engine's task tree, does every write; it
/// returns after ``finish()`` once everything handed in is written.
final class CompletionBatcher: Sendable {
    private typealias Entry = (completion: RunCompletion, whenWritten: @Sendable () -> Void)

    private let store: any EngineStore
    private let logger: Logger
    private let health: StoreHealth
    private let maximumBatch: Int
    /// Waits between attempts to write a batch; the last is repeated for as long as it takes.
    private let retryDelays: [Duration]
    private let pending = Mutex<[Entry]>([])
    /// Wakes the writer: at most one wake-up waits, however many endings came meanwhile.
    private let wakeUps: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let clock: any EngineClock

    init(
        store: any EngineStore, logger: Logger, health: StoreHealth = StoreHealth(), clock: any EngineClock = SystemClock(),
        maximumBatch: Int = 1000, retryDelays: [Duration] = [.milliseconds(500), .seconds(2), .seconds(5)]
    ) {
        self.clock = clock
        self.store = store
        self.logger = logger
        self.health = health
        self.maximumBatch = maximumBatch
        self.retryDelays = retryDelays.isEmpty ? [.seconds(5)] : retryDelays
        (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Hands in `completion` for the next batch; `whenWritten` runs once its write is over
    /// (applied, or refused because the run was rescued or cancelled meanwhile).
    func submit(_ completion: RunCompletion, whenWritten: @escaping @Sendable () -> Void = {}) {
        pending.withLock { $0.append((completion, whenWritten)) }
        wake.yield()
    }

    /// How many endings are handed in and not yet taken into a write.
    var waitingCount: Int { pending.withLock { $0.count } }

    /// Ends ``run()`` once everything handed in so far is written; nothing may be handed in after.
    func finish() {
        wake.finish()
    }

    /// Writes what is handed in, batch after batch, until ``finish()`` and the last batch.
    /// During an outage a batch is retried until the store is back (a shutdown then waits for
    /// it, or for SIGKILL, after which orphan rescue requeues the runs).
    func run() async {
        for await _ in wakeUps { await writePending() }
        await writePending()
    }

    private func writePending() async {
        while true {
            let batch = pending.withLock { pending -> [Entry] in
                let batch = Array(pending.prefix(maximumBatch))
                pending.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            await write(batch.map(\.completion))
            for entry in batch { entry.whenWritten() }
        }
    }

    /// Writes `batch` until it is written: an ending is never dropped (the runs stay held, and
    /// heartbeated, meanwhile). Giving up after 7.5 s used to leave them to orphan rescue, which
    /// recorded succeeded runs as failed after an outage. A batch that keeps failing is split,
    /// so that one ending the database refuses holds up as few others as possible.
    private func write(_ batch: [RunCompletion]) async {
        var failures = 0
        while true {
            do {
                let applied = try await health.checked { try await store.complete(batch) }
                for completion in batch where !applied.contains(completion.runID) {
                    logger.notice(
                        "run was rescued or cancelled meanwhile; outcome not recorded", metadata: ["run": "\(completion.runID)"])
                }
                if failures > 0 { logger.info("recorded runs after failed attempts", metadata: ["runs": "\(batch.count)"]) }
                return
            } catch {
                failures += 1
                logger.warning(
                    "recording runs failed; trying again",
                    metadata: ["runs": "\(batch.count)", "attempts": "\(failures)", "error": "\(error)"])
            }
            if failures >= retryDelays.count, batch.count > 1 {
                let half = batch.count / 2
                await write(Array(batch[..<half]))
                await write(Array(batch[half...]))
                return
            }
            try? await clock.sleep(for: retryDelays[min(failures, retryDelays.count) - 1])
        }
    }
}
