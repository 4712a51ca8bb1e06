import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Nightshift
import Prometheus

/// The admin HTTP API: job status, triggers, run history, pause and resume, cancel and retry,
/// behind bearer tokens with roles; plus `/healthz`, `/readyz`, `/metrics` and the OpenAPI
/// document. It talks to the store through the engine's `JobStore` port only.
///
/// Add it to your own Hummingbird router, or let ``AdminServer`` serve it:
/// ```swift
/// let api = AdminAPI(store: store, jobs: jobs, configuration: .init(tokens: tokens), registry: registry)
/// api.addRoutes(to: router)
/// ```
public struct AdminAPI: Sendable {
    /// The API's settings.
    public struct Configuration: Sendable {
        public var tokens: [APIToken]
        /// How long `POST /api/jobs/run/{name}` waits for the run before answering 202.
        public var waitTimeout: Duration
        /// Whether `/metrics` needs a token (any role).
        public var metricsRequireToken: Bool
        /// Whether scheduling is on (`NIGHTSHIFT_ENABLED`), for the status report.
        public var schedulingEnabled: Bool
        /// How old a heartbeat may be before a run counts as `DEAD`.
        public var heartbeatTimeout: Duration
        /// The largest request body accepted.
        public var maxBodySize: Int
        /// The most trigger requests that wait for their runs at once; more are answered 202
        /// at once, as with `wait=false`.
        public var maxWaitingRequests: Int
        /// How long an API request waits for the store before it is answered 503 (a trigger
        /// waits for its run on top).
        public var requestTimeout: Duration
        /// What the jobs need besides the store, by name (`database app`, `redis usage`), each
        /// with a check that throws when it cannot be reached: `/readyz` asks them too.
        public var dependencies: [String: @Sendable () async throws -> Void]

        /// Settings with the documented defaults.
        public init(
            tokens: [APIToken], waitTimeout: Duration = .seconds(30), metricsRequireToken: Bool = false,
            schedulingEnabled: Bool = true,
            heartbeatTimeout: Duration = .seconds(30), maxBodySize: Int = 64 * 1024, maxWaitingRequests: Int = 100,
            requestTimeout: Duration = .seconds(30), dependencies: [String: @Sendable () async throws -> Void] = [:]
        ) {
            self.requestTimeout = requestTimeout
            self.dependencies = dependencies
            self.tokens = tokens
            self.waitTimeout = waitTimeout
            self.metricsRequireToken = metricsRequireToken
            self.schedulingEnabled = schedulingEnabled
            self.heartbeatTimeout = heartbeatTimeout
            self.maxBodySize = maxBodySize
            self.maxWaitingRequests = maxWaitingRequests
        }
    }

    let store: any JobStore
    let jobs: [Job]
    let jobsByName: [String: Job]
    let configuration: Configuration
    let authenticator: TokenAuthenticator
    let registry: PrometheusCollectorRegistry
    let onEnqueued: @Sendable () -> Void
    /// Where operators' actions (trigger, pause, resume, cancel, retry) are logged, with the token's name.
    let logger: Logger
    let knownQueues = KnownQueues()
    let runEndWaiter: RunEndWaiter
    let probes: StoreProbes

    /// An API over `store` for `jobs`. `registry` is the one the engine's metrics go to;
    /// `onEnqueued` wakes local workers after a trigger; `logger` gets who did what.
    public init(
        store: any JobStore, jobs: [Job], configuration: Configuration, registry: PrometheusCollectorRegistry,
        logger: Logger = Logger(label: "nightshift-api"), onEnqueued: @escaping @Sendable () -> Void = {}
    ) {
        self.logger = logger
        self.store = store
        self.jobs = jobs
        self.jobsByName = Dictionary(jobs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.configuration = configuration
        self.authenticator = TokenAuthenticator(tokens: configuration.tokens)
        self.registry = registry
        self.onEnqueued = onEnqueued
        self.runEndWaiter = RunEndWaiter(store: store, limit: configuration.maxWaitingRequests)
        self.probes = StoreProbes(store: store, dependencies: configuration.dependencies)
    }

    /// How many trigger requests wait for their runs now.
    public var waitingRequests: Int {
        get async { await runEndWaiter.waiting }
    }

    /// Every route, for the router, the 405 answers and the OpenAPI check.
    public static let routes: [(method: HTTPRequest.Method, path: String)] = [
        (.get, "/api/jobs/status"),
        (.post, "/api/jobs/run/{name}"),
        (.get, "/api/jobs/run/{name}"),
        (.post, "/api/runs"),
        (.get, "/api/jobs/runs"),
        (.get, "/api/jobs/runs/{id}"),
        (.post, "/api/jobs/{name}/pause"),
        (.post, "/api/jobs/{name}/resume"),
        (.post, "/api/jobs/runs/{id}/cancel"),
        (.post, "/api/jobs/runs/{id}/retry"),
        (.post, "/api/queues/{name}/pause"),
        (.post, "/api/queues/{name}/resume"),
        (.get, "/api/incidents"),
        (.post, "/api/runs/retry"),
        (.get, "/healthz"),
        (.get, "/readyz"),
        (.get, "/metrics"),
        (.get, "/api/openapi.json"),
        (.get, "/"),
    ]

    /// The path parameter `name`, percent-decoded (`/api/queues/nightly%20reports/pause` names
    /// the queue `nightly reports`).
    static func pathParameter<Context: RequestContext>(_ name: String, of context: Context) throws -> String {
        let raw = try context.parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }

    /// Adds the routes, and the middleware that answers 405 for a known path with the wrong
    /// method, to `router`; `homePage: false` leaves `/` to a dashboard.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>, homePage: Bool = true) {
        router.add(middleware: MethodNotAllowedMiddleware(routes: Self.routes))
        // A trigger may wait for its run (wait=true) on top of the deadline.
        let triggerDeadline = configuration.requestTimeout + configuration.waitTimeout
        route(.get, "/api/jobs/status", on: router) { request, _ in try await self.status(request) }
        route(.post, "/api/jobs/run/:name", on: router, deadline: triggerDeadline) { request, context in
            try await self.trigger(
                request, name: try Self.pathParameter("name", of: context),
                connection: (context as? AdminRequestContext)?.channel)
        }
        // For outside schedulers that only send GET (Vercel Cron): tokens with allow_get only.
        route(.get, "/api/jobs/run/:name", on: router, deadline: triggerDeadline) { request, context in
            try await self.trigger(
                request, name: try Self.pathParameter("name", of: context),
                connection: (context as? AdminRequestContext)?.channel)
        }
        route(.get, "/api/jobs/runs", on: router) { request, _ in try await self.listRuns(request) }
        route(.get, "/api/incidents", on: router) { request, _ in try await self.listIncidents(request) }
        route(.post, "/api/runs/retry", on: router) { request, _ in try await self.retryMatching(request) }
        route(.post, "/api/runs", on: router) { request, _ in try await self.enqueue(request) }
        route(.get, "/api/jobs/runs/:id", on: router) { request, context in
            try await self.run(request, id: try Self.pathParameter("id", of: context))
        }
        route(.post, "/api/jobs/:name/pause", on: router) { request, context in
            try await self.setPaused(request, name: try Self.pathParameter("name", of: context), paused: true)
        }
        route(.post, "/api/jobs/:name/resume", on: router) { request, context in
            try await self.setPaused(request, name: try Self.pathParameter("name", of: context), paused: false)
        }
        route(.post, "/api/jobs/runs/:id/cancel", on: router) { request, context in
            try await self.cancel(request, id: try Self.pathParameter("id", of: context))
        }
        route(.post, "/api/jobs/runs/:id/retry", on: router) { request, context in
            try await self.retry(request, id: try Self.pathParameter("id", of: context))
        }
        route(.post, "/api/queues/:name/pause", on: router) { request, context in
            try await self.setQueuePaused(request, name: try Self.pathParameter("name", of: context), paused: true)
        }
        route(.post, "/api/queues/:name/resume", on: router) { request, context in
            try await self.setQueuePaused(request, name: try Self.pathParameter("name", of: context), paused: false)
        }
        if homePage { router.get("/") { _, _ in HomePage.response() } }
        router.get("/healthz") { _, _ in JSONResponse(["status": "ok"]) }
        router.get("/readyz") { _, _ in await self.readiness() }
        router.get("/metrics") { request, _ in try await self.metrics(request) }
        router.get("/api/openapi.json") { _, _ in try OpenAPIDocument.response() }
    }

    /// Adds an API route whose answer comes within `deadline` (the request timeout unless
    /// given), or is 503 (``RequestDeadline``).
    private func route<Context: RequestContext, Answer: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: RouterPath, on router: Router<Context>, deadline: Duration? = nil,
        _ handle: @escaping @Sendable (Request, Context) async throws -> Answer
    ) {
        let limit = deadline ?? configuration.requestTimeout
        router.on(path, method: method) { request, context in
            try await RequestDeadline.answer(within: limit) {
                try await handle(request, context).response(from: request, context: context)
            }
        }
    }
}
