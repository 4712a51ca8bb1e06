import Foundation
import Logging

/// Runs one run of a job in this process, start to end, as `nightshift run` does: records it,
/// executes its attempts (waiting out the backoff between them), heartbeats, and returns the
/// run as it ended. Usable as a Kubernetes CronJob command.
public struct ForegroundRunner: Sendable {
    let store: any EngineStore & HistoryStore
    let configuration: EngineConfiguration
    let logger: Logger

    /// A runner over `store`; `configuration` gives the worker name and heartbeat interval.
    public init(store: any EngineStore & HistoryStore, configuration: EngineConfiguration = EngineConfiguration(), logger: Logger)
    {
        self.store = store
        self.configuration = configuration
        self.logger = logger
    }

    /// Creates `newRun` of `job` and runs it to its end; `onProgress` sees progress reports.
    ///
    /// The run is created already claimed by this process, and each retry is claimed again
    /// before its backoff is waited out, so a `serve` on the same store never takes it: it
    /// used to be created `queued`, and a busy `serve` ran it instead (14 of 20 calls).
    public func run(_ job: Job, as newRun: NewRun, onProgress: (@Sendable (Int) -> Void)? = nil) async throws -> Run {
        var request = newRun
        request.maxAttempts = job.policies.retry.maxAttempts
        let executor = RunExecutor(logger: logger, metrics: configuration.metrics, clock: configuration.clock)
        var claimed: Run? = try await store.start(request, worker: configuration.instanceID)
        var waitBeforeAttempt = Duration.zero
        while let attempt = claimed {
            let handle = AttemptHandle(run: attempt)
            let beating = Task { await heartbeat(attempt.id, handle: handle) }
            defer { beating.cancel() }
            if waitBeforeAttempt > .zero {
                logger.info(
                    "retrying", metadata: ["job": "\(job.name)", "in": "\(DurationText.format(waitBeforeAttempt.inSeconds))"])
                try await configuration.clock.sleep(for: waitBeforeAttempt)
            }
            let completion = await withTaskCancellationHandler {
                await executor.execute(handle, job: job, onProgress: onProgress)
            } onCancel: {
                handle.close(with: .stopped(.cancelled))
            }
            guard case .retry(let backoff) = completion.outcome else {
                _ = try await store.complete(completion)
                break
            }
            // Queued again no earlier than a lease from now for any other instance, and claimed
            // again at once by this one, which then waits out the real backoff itself.
            var queued = completion
            queued.outcome = .retry(after: max(backoff, configuration.leaseDuration))
            _ = try await store.complete(queued)
            claimed = try await store.claim(runID: attempt.id, worker: configuration.instanceID)
            waitBeforeAttempt = backoff
        }
        guard let final = try await store.run(id: request.id) else { throw EngineError.runMissing(request.id) }
        return final
    }

    /// Stamps the run's heartbeat until cancelled, and stops it when its cancellation is
    /// requested. A failed heartbeat is logged and tried again at the next beat: the run goes on
    /// (the first error used to end the heartbeats, and the run was then rescued as lost).
    private func heartbeat(_ runID: UUID, handle: AttemptHandle) async {
        while !Task.isCancelled {
            do {
                try await configuration.clock.sleep(for: configuration.heartbeatInterval)
                let cancelled = try await store.heartbeat([runID: handle.progress], worker: configuration.instanceID)
                if cancelled.contains(runID) { handle.close(with: .stopped(.cancelled)) }
            } catch is CancellationError {
                return
            } catch {
                logger.warning(
                    "heartbeat failed; trying again at the next beat",
                    metadata: ["run": "\(runID.lowercasedText)", "error": "\(error)"])
            }
        }
    }
}
