import Nightshift

/// Why an `http` job's request failed, and whether retrying can help.
public enum HTTPJobError: Error, Equatable, Sendable, CustomStringConvertible, RetryAdvising {
    /// The server answered outside `success` with a status retrying cannot change (4xx but
    /// 408 and 429, 3xx): failed at once.
    case refused(status: Int, body: String)
    /// The server answered 5xx, 408 or 429: retried by the job's policy, not before
    /// `retryAfter` when the server named it.
    case serverError(status: Int, body: String, retryAfter: Duration?)
    /// No answer: the connection, TLS or the name failed. Retried by the job's policy.
    case unreachable(url: String, reason: String)
    /// A status in `success` whose answer says the work failed (``HTTPAnswerRule``), for
    /// `reason`. Retried by the job's policy.
    case failedAnswer(status: Int, reason: String)

    public var description: String {
        switch self {
        case .refused(let status, let body):
            return "HTTP \(status)\(body.isEmpty ? "" : ": \(body)") (not retried: retrying cannot change this answer)"
        case .serverError(let status, let body, let retryAfter):
            let wait = retryAfter.map { "; the server asked to wait \(DurationText.format($0.inSeconds))" } ?? ""
            return "HTTP \(status)\(body.isEmpty ? "" : ": \(body)")\(wait)"
        case .unreachable(let url, let reason):
            return "cannot reach \(url): \(reason)"
        case .failedAnswer(let status, let reason):
            return "HTTP \(status), but the answer says the work failed: \(reason)"
        }
    }

    public var retryAdvice: RetryAdvice {
        switch self {
        case .refused: return .never
        case .serverError(_, _, let retryAfter): return retryAfter.map { .notBefore($0) } ?? .byPolicy
        case .unreachable, .failedAnswer: return .byPolicy
        }
    }
}
