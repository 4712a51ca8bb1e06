/// How a failed attempt should be retried, beyond the job's retry policy: an error a job throws
/// may say so by conforming to ``RetryAdvising``.
public enum RetryAdvice: Sendable, Equatable {
    /// By the job's retry policy.
    case byPolicy
    /// Not at all: retrying cannot help (an HTTP 404 or 400, a request the other side refused).
    case never
    /// By the policy, but not before this long (an HTTP 429 or 503 with `Retry-After`).
    case notBefore(Duration)
}

/// An error that says how the attempt it ended should be retried.
public protocol RetryAdvising: Error {
    /// The advice; ``RetryAdvice/byPolicy`` leaves it to the job's policy.
    var retryAdvice: RetryAdvice { get }
}
