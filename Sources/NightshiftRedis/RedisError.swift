import Nightshift

/// Why a Redis command did not give an answer, in words a user can act on.
public enum RedisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The URL could not be read.
    case invalidURL(String, reason: String)
    /// No connection could be made.
    case connectionFailed(String, reason: String)
    /// The connection closed before the answer came.
    case connectionClosed
    /// The server answered with an error (`WRONGTYPE …`, `NOAUTH …`).
    case server(String)
    /// The server sent something that is not RESP.
    case protocolViolation(String)
    /// The answer had another shape than the command gives.
    case unexpectedReply(command: String, reply: String)
    /// No answer came within the command timeout; the connection was closed.
    case timedOut(command: String, after: Duration)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): return "invalid Redis URL '\(URLPasswordMask.mask(url))': \(reason)"
        case .connectionFailed(let address, let reason): return "cannot connect to Redis at \(address): \(reason)"
        case .connectionClosed: return "the Redis connection closed before the answer came"
        case .server(let message): return "Redis: \(message)"
        case .protocolViolation(let detail): return "Redis sent an invalid reply: \(detail)"
        case .unexpectedReply(let command, let reply): return "unexpected Redis reply to \(command): \(reply)"
        case .timedOut(let command, let after):
            return "Redis did not answer \(command) within \(after); the connection was closed"
        }
    }
}
