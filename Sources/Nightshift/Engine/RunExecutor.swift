import Foundation
import Logging

/// Executes attempts of runs: builds the job's context, enforces the timeout, and turns the
/// result into the completion the store records. Used by the worker pool and by foreground
/// `nightshift run` alike.
struct RunExecutor: Sendable {
    let logger: Logger
    let metrics: EngineMetrics

    /// Runs one attempt of `handle.run` with `job`; `onProgress` sees every progress report.
    func execute(_ handle: AttemptHandle, job: Job, onProgress: (@Sendable (Int) -> Void)? = nil) async -> RunCompletion {
        let run = handle.run
        var attemptLogger = logger
        // One assignment: a handler may re-render its metadata on every change (swift-log's
        // stream handler does), which showed in profiles at thousands of runs per second.
        attemptLogger.handler.metadata.merge(
            ["job": "\(run.job)", "run": "\(run.id.uuidString.lowercased())", "attempt": "\(run.attempt)"],
            uniquingKeysWith: { _, new in new })
        let context = JobContext(
            jobName: run.job, runID: run.id, attempt: run.attempt, scheduledFor: run.scheduledFor, isDryRun: run.dryRun,
            window: run.window, params: run.params, logger: attemptLogger,
            progress: { value in
                handle.setProgress(value)
                onProgress?(value)
            })
        attemptLogger.debug("run started")
        metrics.started(run)
        let started = ContinuousClock.now
        let result = await handle.execute(timeout: job.policies.timeout) { try await job.body(context) }
        let completion = AttemptOutcome.completion(for: run, result: result, retry: job.policies.retry)
        let duration = ContinuousClock.now - started
        metrics.runEnded(job: run.job, status: completion.outcome.metricStatus, duration: duration)
        let elapsed: Logger.Metadata = ["elapsed": "\(duration)"]
        // The same `[job] Completed. key=value` line that `nightshift run` prints, for log readers.
        switch completion.outcome {
        case .succeeded:
            attemptLogger.info("[\(run.job)] Completed. \(completion.details.summary)", metadata: elapsed)
        case .retry(let seconds):
            attemptLogger.warning(
                "[\(run.job)] Failed: \(completion.error ?? "") (attempt \(run.attempt) of \(run.maxAttempts); retrying in \(DurationText.format(seconds)))",
                metadata: elapsed)
        case .finished(let status):
            attemptLogger.error(
                "[\(run.job)] \(status == .cancelled ? "Cancelled" : "Failed"): \(completion.error ?? status.rawValue)",
                metadata: elapsed)
        }
        return completion
    }
}
