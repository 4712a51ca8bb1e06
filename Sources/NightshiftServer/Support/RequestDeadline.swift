import Hummingbird
import Nightshift

/// Bounds how long an API request waits for its answer. During a store outage, requests used
/// to hang for as long as the outage, each holding a connection; now they are answered 503
/// after the deadline. The handler goes on in the background until its store call returns
/// (the call may not heed cancellation), and its answer is dropped.
enum RequestDeadline {
    /// `answer`'s response, or 503 with `Retry-After` when it has not come within `limit`.
    static func answer(
        within limit: Duration, _ answer: @escaping @Sendable () async throws -> Response
    ) async throws -> Response {
        let answering = Task { () -> Result<Response, any Error> in
            do { return .success(try await answer()) } catch { return .failure(error) }
        }
        guard let result = await answering.value(within: limit) else {
            answering.cancel()
            throw APIError(
                .serviceUnavailable,
                "no answer within \(DurationText.format(limit.inSeconds)): the store may be unreachable; try again later",
                headers: [.retryAfter: "5"])
        }
        return try result.get()
    }
}
