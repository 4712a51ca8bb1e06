import Hummingbird
import Nightshift

extension AdminAPI {
    /// Every route of the API, with who may call it: the one table the router, the 405 answers,
    /// the OpenAPI check and the role matrix test read.
    public static let routes: [APIRoute] = [
        APIRoute(.get, "/api/jobs/status", .roles(APIRole.readers)) { api, request, _ in try await api.status(request) },
        APIRoute(.post, "/api/jobs/run/{name}", .rolesForJob(APIRole.triggerers), deadline: .trigger) { api, request, input in
            try await api.trigger(
                request, name: try input.parameter("name"), token: try input.caller, connection: input.connection)
        },
        // For outside schedulers that only send GET (Vercel Cron): tokens with allow_get only.
        APIRoute(.get, "/api/jobs/run/{name}", .rolesForJob(APIRole.triggerers), deadline: .trigger) { api, request, input in
            try await api.trigger(
                request, name: try input.parameter("name"), token: try input.caller, connection: input.connection)
        },
        APIRoute(.post, "/api/runs", .roles(APIRole.triggerers)) { api, request, input in
            try await api.enqueue(request, token: try input.caller)
        },
        APIRoute(.get, "/api/jobs/runs", .roles(APIRole.readers)) { api, request, _ in try await api.listRuns(request) },
        APIRoute(.get, "/api/jobs/runs/{id}", .roles(APIRole.readers)) { api, request, input in
            try await api.run(request, id: try input.parameter("id"))
        },
        APIRoute(.post, "/api/jobs/{name}/pause", .rolesForJob(APIRole.actors)) { api, request, input in
            try await api.setPaused(request, name: try input.parameter("name"), paused: true, token: try input.caller)
        },
        APIRoute(.post, "/api/jobs/{name}/resume", .rolesForJob(APIRole.actors)) { api, request, input in
            try await api.setPaused(request, name: try input.parameter("name"), paused: false, token: try input.caller)
        },
        APIRoute(.post, "/api/jobs/runs/{id}/cancel", .roles(APIRole.actors)) { api, request, input in
            try await api.cancel(request, id: try input.parameter("id"), token: try input.caller)
        },
        APIRoute(.post, "/api/jobs/runs/{id}/retry", .roles(APIRole.actors)) { api, request, input in
            try await api.retry(request, id: try input.parameter("id"), token: try input.caller)
        },
        APIRoute(.post, "/api/queues/{name}/pause", .roles(APIRole.actors)) { api, request, input in
            try await api.setQueuePaused(request, name: try input.parameter("name"), paused: true, token: try input.caller)
        },
        APIRoute(.post, "/api/queues/{name}/resume", .roles(APIRole.actors)) { api, request, input in
            try await api.setQueuePaused(request, name: try input.parameter("name"), paused: false, token: try input.caller)
        },
        APIRoute(.get, "/api/incidents", .roles(APIRole.readers)) { api, request, _ in try await api.listIncidents(request) },
        APIRoute(.post, "/api/runs/retry", .roles(APIRole.actors)) { api, request, input in
            try await api.retryMatching(request, token: try input.caller)
        },
        APIRoute(.get, "/healthz", .anyone, deadline: .none) { _, _, _ in JSONResponse(["status": "ok"]) },
        // Readiness bounds its own probes, and must answer while the store hangs.
        APIRoute(.get, "/readyz", .anyone, deadline: .none) { api, _, _ in await api.readiness() },
        APIRoute(.get, "/metrics", .metrics, deadline: .none) { api, _, _ in try await api.metrics() },
        APIRoute(.get, "/api/openapi.json", .anyone, deadline: .none) { _, _, _ in try OpenAPIDocument.response() },
        APIRoute(.get, "/", .anyone, deadline: .none) { _, _, _ in HomePage.response() },
    ]

    /// Adds the routes, and the middleware that answers 405 for a known path with the wrong
    /// method, to `router`; `homePage: false` leaves `/` to a dashboard.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>, homePage: Bool = true) {
        router.add(middleware: MethodNotAllowedMiddleware(routes: Self.routes.map { ($0.method, $0.path) }))
        for route in Self.routes where homePage || route.path != "/" {
            let deadline: Duration? =
                switch route.deadline {
                case .none: nil
                case .request: configuration.requestTimeout
                case .trigger: configuration.requestTimeout + configuration.waitTimeout
                }
            router.on(RouterPath(route.path), method: route.method) { request, context in
                var parameters: [String: String] = [:]
                for name in route.parameterNames { parameters[name] = try Self.pathParameter(name, of: context) }
                let input = APIRoute.Input(
                    token: try self.admit(request, to: route.access, parameters: parameters), parameters: parameters,
                    connection: (context as? AdminRequestContext)?.channel)
                guard let deadline else {
                    return try await route.handle(self, request, input).response(from: request, context: context)
                }
                return try await RequestDeadline.answer(within: deadline) {
                    try await route.handle(self, request, input).response(from: request, context: context)
                }
            }
        }
    }

    /// The token `access` lets in (nil where none is needed), or 401/403.
    private func admit(_ request: Request, to access: APIRoute.Access, parameters: [String: String]) throws(APIError)
        -> APIToken?
    {
        switch access {
        case .anyone: return nil
        case .roles(let roles): return try authenticator.authorize(request, roles: roles)
        case .rolesForJob(let roles): return try authenticator.authorize(request, roles: roles, job: parameters["name"] ?? "")
        case .metrics:
            guard configuration.metricsRequireToken else { return nil }
            return try authenticator.authorize(request, roles: Set(APIRole.allCases))
        }
    }

    /// The path parameter `name`, percent-decoded (`/api/queues/nightly%20reports/pause` names
    /// the queue `nightly reports`).
    static func pathParameter<Context: RequestContext>(_ name: String, of context: Context) throws -> String {
        let raw = try context.parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }
}
