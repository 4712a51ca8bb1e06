import Foundation

/// The end of one attempt, for the store to apply with a guarded update
/// (`WHERE status = 'running' AND attempt = …`), so a run that was rescued meanwhile is not
/// finished twice.
public struct RunCompletion: Sendable {
    /// What the store does with the run.
    public enum Outcome: Sendable, Equatable {
        /// The attempt succeeded.
        case succeeded
        /// The attempt failed; queue attempt + 1 to start this long from now (by the store's
        /// clock).
        case retry(after: Duration)
        /// The attempt failed and the run ends with this status (`failed`, `discarded` or
        /// `cancelled`).
        case finished(RunStatus)
    }

    public var runID: UUID
    public var job: String
    /// The attempt that ended; the guard of the update.
    public var attempt: Int
    public var outcome: Outcome
    public var details: JSONObject
    public var error: String?
    /// The last lines of the attempt's output, kept with the attempt.
    public var output: String?

    /// Describes how attempt `attempt` of run `runID` ended.
    public init(
        runID: UUID, job: String, attempt: Int, outcome: Outcome, details: JSONObject = [:], error: String? = nil,
        output: String? = nil
    ) {
        self.runID = runID
        self.job = job
        self.attempt = attempt
        self.outcome = outcome
        self.details = details
        self.error = error
        self.output = output
    }
}

extension RunCompletion.Outcome {
    /// The status a run has after this outcome, as metrics and attempt rows label it
    /// (`retrying` for a retry).
    public var metricStatus: String {
        switch self {
        case .succeeded: return RunStatus.succeeded.rawValue
        case .retry: return "retrying"
        case .finished(let status): return status.rawValue
        }
    }
}
