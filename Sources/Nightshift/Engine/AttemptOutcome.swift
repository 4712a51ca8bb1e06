/// Turns how an attempt ended into what the store records, by the job's retry policy: the
/// pure decision, tested without a database.
enum AttemptOutcome {
    static func completion(for run: Run, result: AttemptResult, retry: RetryPolicy) -> RunCompletion {
        func failure(_ message: String, advice: RetryAdvice = .byPolicy) -> RunCompletion {
            let outcome: RunCompletion.Outcome
            if run.attempt < run.maxAttempts, advice != .never {
                var delay = retry.delay(afterAttempt: run.attempt)
                if case .notBefore(let floor) = advice { delay = max(delay, floor) }
                outcome = .retry(after: delay)
            } else if advice == .never {
                // Refused for good (an HTTP 404): failed, whatever attempts were left.
                outcome = .finished(.failed)
            } else {
                outcome = .finished(run.maxAttempts > 1 ? .discarded : .failed)
            }
            return RunCompletion(runID: run.id, job: run.job, attempt: run.attempt, outcome: outcome, error: message.storable)
        }
        switch result {
        case .succeeded(let details):
            return RunCompletion(runID: run.id, job: run.job, attempt: run.attempt, outcome: .succeeded, details: details)
        case .failed(let message, let advice):
            return failure(message, advice: advice)
        case .timedOut(let timeout):
            return failure("timed out after \(DurationText.format(timeout.inSeconds))")
        case .stopped(.cancelled):
            return RunCompletion(
                runID: run.id, job: run.job, attempt: run.attempt, outcome: .finished(.cancelled), error: "cancelled")
        case .stopped(.shutdown):
            // Interrupted by a shutdown: run it again on the next start if it may be retried.
            let outcome: RunCompletion.Outcome =
                run.attempt < run.maxAttempts ? .retry(after: .zero) : .finished(.cancelled)
            return RunCompletion(
                runID: run.id, job: run.job, attempt: run.attempt, outcome: outcome,
                error: "interrupted by shutdown after the grace period")
        }
    }
}
