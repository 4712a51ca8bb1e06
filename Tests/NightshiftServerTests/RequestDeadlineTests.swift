import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Nightshift
import NightshiftSQL
import Prometheus
import Testing

@testable import NightshiftServer

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct RequestDeadlineTests {
    /// A port that accepts connections and never answers: a PostgreSQL that hangs.
    final class SilentListener {
        let socket: Int32
        let port: Int

        init() throws {
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.socket = socket
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    Glibc.bind(socket, pointer, length) == 0 && listen(socket, 64) == 0
                        && getsockname(socket, pointer, &length) == 0
                }
            }
            try #require(bound, "bind: \(errno)")
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(socket) }
    }

    @Test("while the store hangs, an API request is answered 503 with Retry-After after the request timeout; /healthz answers")
    func storeThatHangs() async throws {
        let silent = try SilentListener()
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
