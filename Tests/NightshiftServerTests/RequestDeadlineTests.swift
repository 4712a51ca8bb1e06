import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Nightshift
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import Prometheus
import Testing

@testable import NightshiftServer

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct RequestDeadlineTests {
    @Test("while the store hangs, an API request is answered 503 with Retry-After after the request timeout; /healthz answers")
    func storeThatHangs() async throws {
        let silent = try #require(LoopbackSocket.silentListener())
        defer { close(silent.socket) }
        let store = try await SQLJobStore.open(
            "postgres://nightshift@127.0.0.1:\(silent.port)/jobs?connect_timeout=3600", logger: Logger(label: "deadline-test"))
        let api = AdminAPI(
            store: store, jobs: [],
            configuration: .init(
                tokens: [APIToken(name: "ops", role: .admin, secret: "admin-secret-0123456789")], requestTimeout: .seconds(1)),
            registry: PrometheusCollectorRegistry())
        let app = AdminServer.application(api: api, host: "127.0.0.1", port: 0, logger: Logger(label: "deadline-test"))
        try await app.test(.live) { client in
            let answer = try await client.execute(
                uri: "/api/jobs/status", method: .get, headers: [.authorization: "Bearer admin-secret-0123456789"])
            #expect(answer.status == .serviceUnavailable)
            #expect(answer.headers[.retryAfter] == "5")
            #expect(String(buffer: answer.body).contains("no answer within 1s: the store may be unreachable"))
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
        }
        await store.close()
    }
}
