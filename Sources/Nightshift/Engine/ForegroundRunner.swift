import Foundation
import Logging

/// Runs one run of a job in this process, start to end, as `nightshift run` does: records it,
/// executes its attempts (waiting out the backoff between them), heartbeats, and returns the
/// run as it ended. Usable as a Kubernetes CronJob command.
public struct ForegroundRunner: Sendable {
    let store: any JobStore
    let configuration: EngineConfiguration
    let logger: Logger

    /// A runner over `store`; `configuration` gives the worker name and heartbeat interval.
    public init(store: any JobStore, configuration: EngineConfiguration = EngineConfiguration(), logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
    }

    /// Creates `newRun` of `job` and runs it to its end; `onProgress` sees progress reports.
    public func run(_ job: Job, as newRun: NewRun, onProgress: (@Sendable (Int) -> Void)? = nil) async throws -> Run {
        var request = newRun
        request.maxAttempts = job.policies.retry.maxAttempts
        guard let created = try await store.enqueue([request]).first else { throw EngineError.runMissing(request.id) }
        let executor = RunExecutor(logger: logger, metrics: configuration.metrics)
        while let claimed = try await store.claim(runID: created.id, worker: configuration.instanceID) {
            let handle = AttemptHandle(run: claimed)
            let heartbeat = Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(configuration.heartbeatInterval))
                    let cancelled = try await store.heartbeat([claimed.id: handle.progress], worker: configuration.instanceID)
                    if cancelled.contains(claimed.id) { handle.close(with: .stopped(.cancelled)) }
                }
            }
            let completion = await withTaskCancellationHandler {
                await executor.execute(handle, job: job, onProgress: onProgress)
            } onCancel: {
                handle.close(with: .stopped(.cancelled))
            }
            heartbeat.cancel()
            _ = try await store.complete(completion)
            guard case .retry(let seconds) = completion.outcome else { break }
            logger.info("retrying", metadata: ["job": "\(job.name)", "in": "\(DurationText.format(seconds))"])
            try await Task.sleep(for: .seconds(seconds))
        }
        guard let final = try await store.run(id: created.id) else { throw EngineError.runMissing(created.id) }
        return final
    }
}
