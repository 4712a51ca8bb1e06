import Foundation
import Hummingbird
import HummingbirdTLS
import HummingbirdTesting
import NIOSSL
import Nightshift
import NightshiftAlerts
import NightshiftTestSupport
import NightshiftTesting
import Synchronization
import Testing

@Suite struct WebhookChannelTests {
    /// What the receiver saw.
    final class Seen: Sendable {
        let requests = Mutex<[(headers: [String: String], body: String)]>([])
    }

    static let event = AlertEvent(
        event: "failing", state: .open, incident: "01a22c9d-4cb2-7319-a2c3-333dcd97d851", job: "cleanup-logs",
        summary: "cleanup-logs is failing: 3 consecutive failed runs.", at: "2027-01-15T08:00:00Z", instance: "test")

    /// A receiver answering `status` to `POST /hook`, over TLS when `tls` is given.
    func withReceiver(
        status: HTTPResponse.Status = .ok, tls: TLSConfiguration? = nil,
        _ body: @escaping @Sendable (Int, Seen) async throws -> Void
    ) async throws {
        let seen = Seen()
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let text = String(buffer: try await request.body.collect(upTo: 1 << 20))
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            seen.requests.withLock { $0.append((headers, text)) }
            return Response(status: status, body: .init(byteBuffer: ByteBuffer(string: "receiver says no")))
        }
        let configuration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0))
        if let tls {
            let app = Application(router: router, server: try .tls(.http1(), tlsConfiguration: tls), configuration: configuration)
            try await app.test(.live) { client in try await body(try #require(client.port), seen) }
        } else {
            try await Application(router: router, configuration: configuration).test(.live) { client in
                try await body(try #require(client.port), seen)
            }
        }
    }

    @Test("the signature is HMAC-SHA256 (RFC 4231's second test vector)")
    func signatureVector() {
        #expect(
            WebhookChannel.signature(of: "what do ya want for nothing?", secret: "Jefe")
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("a delivery posts the payload as is, signed, with the notification's id as Idempotency-Key")
    func delivery() async throws {
        try await withReceiver { port, seen in
            let channel = WebhookChannel(name: "ops", url: "http://127.0.0.1:\(port)/hook", secret: "s3cret")
            let id = UUID.version7()
            let payload = Self.event.encoded()
            try await channel.deliver(Self.event, payload: payload, notificationID: id)
            let request = try #require(seen.requests.withLock { $0.first })
            #expect(request.body == payload)
            #expect(request.headers["idempotency-key"] == id.lowercasedText)
            #expect(request.headers["nightshift-event"] == "failing.open")
            #expect(
                request.headers["nightshift-signature"] == "sha256=\(WebhookChannel.signature(of: payload, secret: "s3cret"))")
            #expect(request.headers["content-type"] == "application/json")
        }
    }

    @Test("a refusal is an error naming the status and the answer, never the URL")
    func refusal() async throws {
        try await withReceiver(status: .internalServerError) { port, _ in
            let url = "http://127.0.0.1:\(port)/hook?token=very-secret"
            let channel = WebhookChannel(name: "ops", url: url, secret: nil)
            await #expect {
                try await channel.deliver(Self.event, payload: Self.event.encoded(), notificationID: UUID())
            } throws: { error in
                "\(error)" == "alert channel 'ops': the receiver answered 500: receiver says no"
                    && !"\(error)".contains("very-secret")
            }
        }
    }

    @Test("https with a certificate of the test's own CA fails without ca: and succeeds with it")
    func certificateChecks() async throws {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
            "nightshift-alert-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try await TestCertificates(in: folder)
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.serverCertificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.serverKey, format: .pem)))
        try await withReceiver(tls: tls) { port, seen in
            let url = "https://localhost:\(port)/hook"
            await #expect {
                try await WebhookChannel(name: "ops", url: url, secret: nil)
                    .deliver(Self.event, payload: Self.event.encoded(), notificationID: UUID())
            } throws: { error in
                "\(error)".contains("TLS") && "\(error)".contains("ca:")
            }
            #expect(seen.requests.withLock { $0.isEmpty })
            try await WebhookChannel(name: "ops", url: url, secret: nil, caFile: certificates.ca)
                .deliver(Self.event, payload: Self.event.encoded(), notificationID: UUID())
            #expect(seen.requests.withLock { $0.count } == 1)
        }
    }

    @Test("a Slack message says the event in words and links the run; Slack's special characters are escaped")
    func slackMessage() throws {
        var event = Self.event
        event.lastError = "<script>&"
        event.url = "https://nightshift.example.com/api/jobs/runs/01a2"
        event.run = nil
        let message = SlackChannel.message(for: event)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any])
        let text = try #require(json["text"] as? String)
        #expect(text.contains("*failing* open: cleanup-logs is failing"))
        #expect(text.contains("&lt;script&gt;&amp;") && !text.contains("<script>"))
        #expect(text.contains("<https://nightshift.example.com/api/jobs/runs/01a2|Details>"))
    }

    @Test("a command gets the event on standard input; a non-zero exit is a refusal")
    func command() async throws {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
            "nightshift-alert-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("event.json").path
        let channel = CommandChannel(
            name: "pager", command: ["sh", "-c", "cat > '\(out)'; echo \"$NIGHTSHIFT_ALERT_EVENT\" >> '\(out)'"])
        try await channel.deliver(Self.event, payload: Self.event.encoded(), notificationID: UUID())
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(written == Self.event.encoded() + "failing\n")
        await #expect {
            try await CommandChannel(name: "pager", command: ["sh", "-c", "exit 7"])
                .deliver(Self.event, payload: "{}", notificationID: UUID())
        } throws: { "\($0)" == "alert channel 'pager': sh exited with status 7" }
        await #expect {
            try await CommandChannel(name: "pager", command: ["sleep", "30"], timeout: .milliseconds(300))
                .deliver(Self.event, payload: "{}", notificationID: UUID())
        } throws: { "\($0)".contains("did not end within") }
    }
}
