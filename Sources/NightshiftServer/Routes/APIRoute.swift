import HTTPTypes
import Hummingbird
import NIOCore
import Nightshift

/// One route of the admin API, declared once: the router serves it behind its access rule and
/// deadline, the 405 answers know its path, and the OpenAPI check and the role matrix test read
/// it, so a route cannot be served without being documented, or guarded differently from what
/// the tests expect.
public struct APIRoute: Sendable {
    /// Who may call a route; checked before its handler runs.
    public enum Access: Sendable, Equatable {
        /// Anyone, without a token (health, readiness, the document, the home page).
        case anyone
        /// A token with one of these roles.
        case roles(Set<APIRole>)
        /// A token with one of these roles whose jobs include the path's `{name}`.
        case rolesForJob(Set<APIRole>)
        /// Anyone, or any token when `server.metrics_require_token` is set.
        case metrics
    }

    /// How long the route may take before it is answered 503 (``RequestDeadline``).
    enum Deadline: Sendable {
        /// No deadline: answers that never wait on the store (or that bound their own wait).
        case none
        /// The request timeout.
        case request
        /// The request timeout plus a trigger's wait for its run.
        case trigger
    }

    /// What a handler gets besides the request: the token the access rule let in, and the path's
    /// parameters, percent-decoded.
    struct Input: Sendable {
        /// The caller's token; nil on routes anyone may call.
        let token: APIToken?
        /// `{name}` and `{id}` of the path, percent-decoded.
        let parameters: [String: String]
        /// The client's connection, where the server gives it, for waits its departure ends.
        let connection: (any Channel)?

        /// The token of a route whose access rule requires one.
        var caller: APIToken {
            get throws(APIError) {
                guard let token else { throw APIError.unauthorized }
                return token
            }
        }

        /// The path parameter `name`.
        func parameter(_ name: String) throws(APIError) -> String {
            guard let value = parameters[name] else { throw APIError(.notFound, "no \(name) in the path", field: name) }
            return value
        }
    }

    /// The method.
    public let method: HTTPRequest.Method
    /// The path as the OpenAPI document writes it, parameters in braces (`/api/jobs/{name}/pause`).
    public let path: String
    /// Who may call it.
    public let access: Access
    let deadline: Deadline
    let handle: @Sendable (AdminAPI, Request, Input) async throws -> any ResponseGenerator

    init(
        _ method: HTTPRequest.Method, _ path: String, _ access: Access, deadline: Deadline = .request,
        _ handle: @escaping @Sendable (AdminAPI, Request, Input) async throws -> any ResponseGenerator
    ) {
        self.method = method
        self.path = path
        self.access = access
        self.deadline = deadline
        self.handle = handle
    }

    /// The names of the path's parameters, in order.
    var parameterNames: [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }
}
