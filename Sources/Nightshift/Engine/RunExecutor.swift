import Foundation
import Logging

/// Executes attempts of runs: builds the job's context, enforces the timeout, and turns the
/// result into the completion the store records. Used by the worker pool and by foreground
/// `nightshift run` alike.
package struct RunExecutor: Sendable {
    let logger: Logger
    let metrics: EngineMetrics
    /// Measures durations and times out attempts.
    let clock: any EngineClock

    /// An executor logging to `logger`, reporting to `metrics`, timing with `clock`.
    package init(logger: Logger, metrics: EngineMetrics, clock: any EngineClock) {
        self.logger = logger
        self.metrics = metrics
        self.clock = clock
    }

    /// Runs the attempt of claimed run `run` with `job` in the caller's task, to its end: the
    /// test kit's inline execution.
    package func execute(_ run: Run, job: Job) async -> RunCompletion {
        await execute(AttemptHandle(run: run), job: job)
    }

    /// Runs one attempt of `handle.run` with `job`; `onProgress` sees every progress report.
    func execute(_ handle: AttemptHandle, job: Job, onProgress: (@Sendable (Int) -> Void)? = nil) async -> RunCompletion {
        let run = handle.run
        // The job's logger gets these when the job first logs, and the lines below only when
        // their level is on: building them for every attempt showed in profiles.
        let metadata: @Sendable () -> Logger.Metadata = {
            ["job": "\(run.job)", "run": "\(run.id.lowercasedText)", "attempt": "\(run.attempt)"]
        }
        let context = JobContext(
            jobName: run.job, runID: run.id, attempt: run.attempt, scheduledFor: run.scheduledFor, isDryRun: run.dryRun,
            window: run.window, params: run.params, logger: logger, metadata: metadata, clock: clock,
            progress: { value in
                handle.setProgress(value)
                onProgress?(value)
            })
        logger.debug("run started", metadata: metadata())
        metrics.started(run)
        let started = clock.uptime
        let result = await handle.execute(timeout: job.policies.timeout, clock: clock) { try await job.body(context) }
        var completion = AttemptOutcome.completion(for: run, result: result, retry: job.policies.retry)
        completion.output = context.outputTail?.storable
        let duration = clock.uptime - started
        metrics.runEnded(job: run.job, status: completion.outcome.metricStatus, duration: duration)
        func attemptMetadata() -> Logger.Metadata {
            metadata().merging(["elapsed": "\(DurationText.elapsed(duration.inSeconds))"]) { $1 }
        }
        // The same `[job] Completed. key=value` line that `nightshift run` prints, for log readers.
        switch completion.outcome {
        case .succeeded:
            logger.info("[\(run.job)] Completed. \(completion.details.summary)", metadata: attemptMetadata())
        case .retry(let backoff):
            logger.warning(
                "[\(run.job)] Failed: \(completion.error ?? "") (attempt \(run.attempt) of \(run.maxAttempts); retrying in \(DurationText.format(backoff.inSeconds)))",
                metadata: attemptMetadata())
        case .finished(.cancelled):
            // Someone asked for it (or a shutdown ran out of grace): not an error of the job's.
            logger.notice("[\(run.job)] Cancelled: \(completion.error ?? "cancelled")", metadata: attemptMetadata())
        case .finished(let status):
            logger.error("[\(run.job)] Failed: \(completion.error ?? status.rawValue)", metadata: attemptMetadata())
        }
        return completion
    }
}
