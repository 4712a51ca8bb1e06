import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// A real HTTP server on loopback that takes alert deliveries and keeps them: `POST /hook`
/// (a webhook; answers 500 while `refusing` holds) and `POST /slack` (answers `ok`, as Slack does).
final class AlertReceiver: Sendable {
    /// One request received.
    struct Delivery: Sendable {
        var path: String
        /// Header values by lowercased name.
        var headers: [String: String]
        var body: String
        var status: Int
        var at: Date

        /// The value of header `name`, whatever its case.
        func header(_ name: String) -> String? { headers[name.lowercased()] }

        /// The body as a JSON object.
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:] }
    }

    private let received = Mutex<[Delivery]>([])
    private let refusingUntil = Mutex<Date?>(nil)

    /// Every request so far, in arrival order.
    var deliveries: [Delivery] { received.withLock { $0 } }

    /// The requests to `path` that were answered 2xx.
    func taken(_ path: String) -> [Delivery] { deliveries.filter { $0.path == path && (200..<300).contains($0.status) } }

    /// Answers 500 on `/hook` until `date`.
    func refuse(until date: Date) { refusingUntil.withLock { $0 = date } }

    /// Runs `body` with the receiver listening; `body` gets its base URL.
    func serve(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let refusing = self.refusingUntil.withLock { $0 }.map { Date() < $0 } ?? false
            try await self.record(request, status: refusing ? 500 : 200)
            return Response(status: refusing ? .internalServerError : .ok)
        }
        router.post("/slack") { request, _ -> Response in
            try await self.record(request, status: 200)
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) {
            client in
            try await body("http://127.0.0.1:\(try #require(client.port))")
        }
    }

    private func record(_ request: Request, status: Int) async throws {
        let body = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let delivery = Delivery(
            path: request.uri.path, headers: headers, body: String(buffer: body), status: status, at: Date())
        received.withLock { $0.append(delivery) }
    }

    /// Waits (at most `seconds`) until `condition` holds on the deliveries so far.
    func waitUntil(
        _ what: String, seconds: Double = 60, _ condition: @escaping @Sendable ([Delivery]) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !condition(deliveries) {
            guard ContinuousClock.now < deadline else {
                Issue.record(
                    "waited \(seconds) s for \(what); received: \(deliveries.map { "\($0.path) \($0.status) \($0.body)" })")
                throw ReceiverTimeout()
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

struct ReceiverTimeout: Error {}

/// The hex HMAC-SHA256 of `body` with `secret`, computed by `openssl`: an oracle independent of
/// Nightshift's own signing.
func opensslSignature(of body: String, secret: String, in cli: Nightshift) async throws -> String {
    let file = cli.directory.appendingPathComponent("body-\(UUID().uuidString)")
    try body.write(to: file, atomically: true, encoding: .utf8)
    let answer = try await cli.run(
        ["dgst", "-sha256", "-hmac", secret, "-r", file.path], program: "/usr/bin/openssl")
    return String(answer.output.prefix { $0 != " " })
}
