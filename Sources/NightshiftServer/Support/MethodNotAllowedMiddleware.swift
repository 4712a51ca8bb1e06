import HTTPTypes
import Hummingbird

/// Turns the router's 404 for a known path asked with another method into 405 with an `Allow`
/// header, as HTTP says; unknown paths stay 404, with a JSON body either way.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: [(method: HTTPRequest.Method, path: String)]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
            let allowed = routes.filter { Self.matches(pattern: $0.path, segments: segments) }.map(\.method.rawValue)
            guard !allowed.isEmpty else { throw APIError(.notFound, "no such endpoint: \(request.uri.path)") }
            throw APIError(
                .methodNotAllowed, "\(request.method.rawValue) is not allowed here; use \(allowed.joined(separator: ", "))",
                headers: [.allow: allowed.joined(separator: ", ")])
        }
    }

    static func matches(pattern: String, segments: [Substring]) -> Bool {
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count == segments.count else { return false }
        return zip(parts, segments).allSatisfy { part, segment in part.hasPrefix("{") || part == segment }
    }
}
