import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Nightshift
import NightshiftServer
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import Prometheus

/// A real admin server on loopback over a test store, with an engine executing its runs;
/// every answer it gets is checked against the OpenAPI document.
struct APIHarness {
    /// One answer.
    struct Answer {
        let status: Int
        let body: String
        let headers: HTTPFields

        var json: JSONObject {
            if case .object(let object) = try? JSONValue(parsing: body) { return object }
            return [:]
        }
    }

    static let tokens = [
        "admin": "admin-secret", "viewer": "viewer-secret", "trigger": "cron-secret", "scoped": "scoped-secret",
        "scoped-admin": "scoped-admin-secret",
    ]

    let client: any TestClientProtocol
    let validator: OpenAPIValidator
    let registry: PrometheusCollectorRegistry
    /// The API under test; nil where a test builds its own server.
    var api: AdminAPI? = nil

    /// Sends a request for the route `template` (an OpenAPI path) at `uri`; `role` picks a
    /// token (`nil`: none; `"unknown"`: a wrong one).
    func call(
        _ method: HTTPRequest.Method, _ template: String, _ uri: String? = nil, role: String? = "admin", body: String? = nil,
        contentType: String = "application/json"
    ) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let role { headers[.authorization] = "Bearer \(Self.tokens[role] ?? "not-a-token")" }
        if body != nil { headers[.contentType] = contentType }
        let response = try await client.executeRequest(
            uri: uri ?? template, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let answer = Answer(status: Int(response.status.code), body: String(buffer: response.body), headers: response.headers)
        if answer.status != 405 {
            try validator.validate(method: method.rawValue, path: template, status: answer.status, body: answer.body)
        }
        return answer
    }

    /// The jobs the tests use: `ok` reports seed 004's details, `fails` throws, `slow` takes a minute unless it is cancelled
    /// (long enough that no load on the test machine lets it end before a test cancels it).
    static func jobs() throws -> [Job] {
        [
            try Job(name: "ok", schedule: try Schedule("0 */6 * * *"), description: "Cleanup expired preview sessions") {
                context in
                var details: JSONObject = ["expiredCount": 2, "revokedCount": 0]
                if let who = context.params["who"] { details["who"] = who }
                if context.isDryRun { details["dryRun"] = true }
                return details
            },
            try Job(name: "fails") { _ in throw HarnessFailure() },
            try Job(name: "slow") { _ in
                try await Task.sleep(for: .seconds(60))
                return [:]
            },
        ]
    }

    /// Runs `body` against a live server over a fresh store of `kind`.
    static func with(
        _ kind: TestStoreKind, waitTimeout: Duration = .seconds(4), maxWaitingRequests: Int = 100,
        _ body: @Sendable @escaping (APIHarness, TestStore) async throws -> Void
    ) async throws {
        try await withTestStore(kind) { test in
            let logger = Logger(label: "api-test")
            let registry = PrometheusCollectorRegistry()
            let jobs = try jobs()
            let engine = NightshiftEngine(
                store: test.store, jobs: jobs,
                configuration: EngineConfiguration(
                    concurrency: 4, pollInterval: .seconds(0.05), leaseDuration: .seconds(1.5),
                    metrics: EngineMetrics(factory: PrometheusMetricsFactory(registry: registry))),
                logger: logger)
            let tokens = [
                APIToken(name: "ops", role: .admin, secret: Self.tokens["admin"]!),
                APIToken(name: "dashboard", role: .viewer, secret: Self.tokens["viewer"]!),
                APIToken(name: "cron", role: .trigger, secret: Self.tokens["trigger"]!),
                // An outside scheduler's: the one job `ok`, triggered with GET.
                APIToken(name: "vercel", role: .trigger, secret: Self.tokens["scoped"]!, jobs: ["ok"], allowGet: true),
                // A team lead's: may run and pause the job `ok` only.
                APIToken(name: "lead", role: .admin, secret: Self.tokens["scoped-admin"]!, jobs: ["ok"]),
            ]
            let api = AdminAPI(
                store: test.store, jobs: jobs,
                configuration: .init(
                    tokens: tokens, waitTimeout: waitTimeout, engine: ReportedEngine(heartbeatTimeout: .seconds(1.5)),
                    maxWaitingRequests: maxWaitingRequests),
                registry: registry, onEnqueued: { engine.notifyEnqueued() })
            let app = AdminServer.application(api: api, host: "127.0.0.1", port: 0, logger: logger)
            let engineTask = Task { try await engine.run() }
            defer { engine.shutDown() }
            let validator = try OpenAPIValidator()
            try await app.test(.live) { client in
                try await body(APIHarness(client: client, validator: validator, registry: registry, api: api), test)
            }
            engine.shutDown()
            try await engineTask.value
        }
    }
}

extension APIHarness {
    /// Runs `body` against a live server over `store` without an engine or tokens: for the
    /// endpoints that need neither (health, readiness, metrics).
    static func withServer(
        over store: any JobStore, dependencies: [String: @Sendable () async throws -> Void] = [:],
        _ body: @Sendable @escaping (APIHarness) async throws -> Void
    ) async throws {
        let api = AdminAPI(
            store: store, jobs: try jobs(), configuration: .init(tokens: [], dependencies: dependencies),
            registry: PrometheusCollectorRegistry())
        let app = AdminServer.application(api: api, host: "127.0.0.1", port: 0, logger: Logger(label: "api-test"))
        let validator = try OpenAPIValidator()
        try await app.test(.live) { client in
            try await body(APIHarness(client: client, validator: validator, registry: PrometheusCollectorRegistry(), api: api))
        }
    }
}

struct HarnessFailure: Error, CustomStringConvertible {
    var description: String { "the job failed on purpose" }
}
