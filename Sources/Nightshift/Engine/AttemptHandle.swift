import Foundation
import Synchronization

/// How one attempt of a run ended, as the executor saw it.
public enum AttemptResult: Sendable, Equatable {
    /// The job returned these details.
    case succeeded(JSONObject)
    /// The job threw; the text is the error's description, the advice what the error said
    /// about retrying (``RetryAdvising``).
    case failed(String, advice: RetryAdvice = .byPolicy)
    /// The job ran past its timeout and was cancelled.
    case timedOut(Duration)
    /// Someone stopped the attempt: an operator, the `replace` policy, or shutdown.
    case stopped(StopReason)
}

/// Why an attempt was stopped from outside.
public enum StopReason: String, Sendable, Equatable {
    /// An operator or the `replace` overlap policy cancelled the run.
    case cancelled
    /// The process is shutting down and the grace period is over.
    case shutdown
}

/// The live state of one executing attempt: its task, its progress, and the one-time gate that
/// decides how it ended (the job finishing, its timeout, or a stop from outside, whichever is
/// first). A job that ignores cancellation is abandoned when the gate closes; its slot is freed.
final class AttemptHandle: Sendable {
    let run: Run
    private struct State {
        var continuation: CheckedContinuation<AttemptResult, Never>?
        var result: AttemptResult?
        var task: Task<JSONObject, any Error>?
        var progress: Int
    }
    private let state: Mutex<State>

    init(run: Run) {
        self.run = run
        state = Mutex(State(progress: run.progress))
    }

    var progress: Int { state.withLock { $0.progress } }

    func setProgress(_ value: Int) { state.withLock { $0.progress = value } }

    /// Ends the attempt with `result` unless it has already ended; cancels the job's task when
    /// the job itself did not produce the result.
    func close(with result: AttemptResult) {
        let (continuation, task) = state.withLock {
            state -> (CheckedContinuation<AttemptResult, Never>?, Task<JSONObject, any Error>?) in
            guard state.result == nil else { return (nil, nil) }
            state.result = result
            defer { state.continuation = nil }
            return (state.continuation, state.task)
        }
        switch result {
        case .succeeded, .failed: break
        case .timedOut, .stopped: task?.cancel()
        }
        continuation?.resume(returning: result)
    }

    /// Starts `body` and waits until the attempt ends, for whichever reason comes first; the
    /// timeout is counted by `clock`.
    func execute(timeout: Duration?, clock: any EngineClock, body: @escaping @Sendable () async throws -> JSONObject) async
        -> AttemptResult
    {
        // The body's own task closes the gate when the body returns or throws; one task per
        // attempt rather than a second one awaiting it.
        let task = Task {
            do {
                let details = try await body()
                self.close(with: .succeeded(details))
                return details
            } catch is CancellationError {
                self.close(with: .stopped(.cancelled))
                throw CancellationError()
            } catch {
                self.close(
                    with: .failed(String(describing: error), advice: (error as? any RetryAdvising)?.retryAdvice ?? .byPolicy))
                throw error
            }
        }
        state.withLock { $0.task = task }
        let timer = timeout.map { timeout in
            Task {
                try await clock.sleep(for: timeout)
                self.close(with: .timedOut(timeout))
            }
        }
        let result = await withCheckedContinuation { continuation in
            let earlier = state.withLock { state -> AttemptResult? in
                if let result = state.result { return result }
                state.continuation = continuation
                return nil
            }
            if let earlier { continuation.resume(returning: earlier) }
        }
        timer?.cancel()
        return result
    }
}
