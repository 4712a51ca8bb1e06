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
        /// The engines the status report speaks of.
        public var engine: ReportedEngine
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
            engine: ReportedEngine = ReportedEngine(), maxBodySize: Int = 64 * 1024, maxWaitingRequests: Int = 100,
            requestTimeout: Duration = .seconds(30), dependencies: [String: @Sendable () async throws -> Void] = [:]
        ) {
            self.requestTimeout = requestTimeout
            self.dependencies = dependencies
            self.tokens = tokens
            self.waitTimeout = waitTimeout
            self.metricsRequireToken = metricsRequireToken
            self.engine = engine
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
}
