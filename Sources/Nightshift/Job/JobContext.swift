import Foundation
import Logging

/// What a running job gets: who it is, what to work on, and the means to report progress and
/// notice cancellation.
///
/// Cancellation is cooperative: a job that runs long loops should call
/// ``checkCancellation()`` between batches. A job that ignores it is abandoned at its timeout and
/// recorded as timed out.
public struct JobContext: Sendable {
    /// The job's name.
    public let jobName: String
    /// The run being executed.
    public let runID: UUID
    /// Which attempt this is, from 1.
    public let attempt: Int
    /// The fire time for a scheduled run; nil for manual and API runs.
    public let scheduledFor: Date?
    /// When true, the job must report what it would change and change nothing.
    public let isDryRun: Bool
    /// The span of time to work on, for backfills and manual ranges.
    public let window: DateWindow?
    /// Free-form parameters from `--param k=v`, the API, or the enqueueing code.
    public let params: JSONObject
    /// A logger with `job`, `run` and `attempt` metadata.
    public var logger: Logger { attemptLogger.logger }
    /// The engine's clock: sleep and read the time with it, and a test that moves the engine's
    /// manual clock moves the job's time too.
    public let clock: any EngineClock
    private let attemptLogger: AttemptLogger
    private let progressSink: @Sendable (Int) -> Void
    private let output = AttemptOutput()

    /// Creates a context whose logger is `logger` as given (tests and tools that run a job's
    /// body themselves; the engine's contexts add the attempt's metadata), timed by `clock`.
    public init(
        jobName: String, runID: UUID, attempt: Int, scheduledFor: Date?, isDryRun: Bool, window: DateWindow?,
        params: JSONObject, logger: Logger, clock: any EngineClock = SystemClock(),
        progress: @escaping @Sendable (Int) -> Void
    ) {
        self.init(
            jobName: jobName, runID: runID, attempt: attempt, scheduledFor: scheduledFor, isDryRun: isDryRun,
            window: window, params: params, logger: logger, metadata: nil, clock: clock, progress: progress)
    }

    /// A context whose logger gets `metadata` when the job first uses it; the engine makes one
    /// for every attempt.
    init(
        jobName: String, runID: UUID, attempt: Int, scheduledFor: Date?, isDryRun: Bool, window: DateWindow?,
        params: JSONObject, logger: Logger, metadata: (@Sendable () -> Logger.Metadata)?, clock: any EngineClock,
        progress: @escaping @Sendable (Int) -> Void
    ) {
        self.jobName = jobName
        self.runID = runID
        self.attempt = attempt
        self.scheduledFor = scheduledFor
        self.isDryRun = isDryRun
        self.window = window
        self.params = params
        self.attemptLogger = AttemptLogger(logger, metadata: metadata)
        self.clock = clock
        self.progressSink = progress
    }

    /// The params decoded as `T`, for jobs enqueued with Codable params.
    public func params<T: Decodable>(as type: T.Type) throws -> T {
        try params.decode(as: T.self)
    }

    /// Reports progress in percent; values are clamped to `0...100`. The engine stores it with
    /// the next heartbeat.
    public func progress(_ percent: Int) {
        progressSink(min(100, max(0, percent)))
    }

    /// Names where the attempt's output tail can be read (a `command` job's last lines). The
    /// engine reads it when the attempt ends, however it ends, and keeps it with the attempt;
    /// `source` must be quick and safe to call from another task.
    public func keepOutput(from source: @escaping @Sendable () -> String) {
        output.keep(from: source)
    }

    /// The output tail from the source ``keepOutput(from:)`` named, read now.
    var outputTail: String? { output.text }

    /// Whether the run has been cancelled (timeout, `replace`, shutdown or an operator).
    public var isCancelled: Bool { Task.isCancelled }

    /// Throws `CancellationError` when the run has been cancelled.
    public func checkCancellation() throws {
        try Task.checkCancellation()
    }
}
