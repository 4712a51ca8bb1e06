import Nightshift
import HTTPTypes
import Hummingbird

/// Counts each wrong token a client presents (an API request answered 401 despite its
/// `Authorization` header, or a failed dashboard sign-in) against its address's
/// ``SignInThrottle``, and answers 429 with `Retry-After`, before looking at the token, to an
/// address that has run out. Requests that present no token (and paths that check none) are
/// never held back, so `/healthz` and signed-in dashboard pages keep answering.
struct SignInThrottleMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext

    let throttle: SignInThrottle
    /// The dashboard's sign-in path, whose POST presents a token in its form.
    let signInPath: String?

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        let checksToken = (path.hasPrefix("/api/") && path != "/api/openapi.json") || path == "/metrics"
        let presentsToken =
            (checksToken && request.headers[.authorization] != nil) || (request.method == .post && path == signInPath)
        guard presentsToken, let address = context.channel.remoteAddress?.ipAddress else {
            return try await next(request, context)
        }
        if let wait = throttle.wait(for: address) {
            let seconds = Int(wait.inSeconds.rounded(.up))
            throw APIError(
                .tooManyRequests, "too many wrong tokens from this address; try again in \(seconds) s",
                headers: [.retryAfter: "\(seconds)"])
        }
        do {
            let response = try await next(request, context)
            if response.status == .unauthorized { throttle.noteFailure(from: address) }
            return response
        } catch let error as any HTTPResponseError where error.status == .unauthorized {
            throttle.noteFailure(from: address)
            throw error
        }
    }
}
