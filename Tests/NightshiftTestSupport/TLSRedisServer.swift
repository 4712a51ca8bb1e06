import Foundation
import NightshiftRedis

/// A `redis-server` of a test's own that takes only TLS (`--port 0 --tls-port`), as managed
/// Redis with in-transit encryption does, with certificates made for the test.
public final class TLSRedisServer: Sendable {
    /// The TLS port, on 127.0.0.1.
    public let port: Int
    /// The certificates: the server's for `localhost`, and the CA that signed it.
    public let certificates: TestCertificates
    /// `rediss://localhost:PORT/0?ca=…`: a URL that trusts the server.
    public var url: String { "rediss://localhost:\(port)/0?ca=\(certificates.ca)" }
    /// A client certificate and key the CA signed, when the server requires them.
    public let client: (certificate: String, key: String)?
    /// ``url`` with the client certificate, when the server requires one.
    public var clientURL: String {
        client.map { "\(url)&cert=\($0.certificate)&key=\($0.key)" } ?? url
    }
    private let process: TestProcess

    /// Starts the server and waits until it answers over TLS (at most a minute). With
    /// `requiringClientCertificates`, it takes only clients with a certificate its CA signed
    /// (`--tls-auth-clients yes`), as some managed Redis offer.
    public init(requiringClientCertificates: Bool = false) async throws {
        let folder = URL(fileURLWithPath: "/tmp/nightshift-redis-tls-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        certificates = try await TestCertificates(in: folder)
        client = requiringClientCertificates ? try await certificates.client(for: "nightshift") : nil
        port = Int.random(in: 29_000...30_999)
        process = try TestProcess(
            "redis-server",
            [
                "--port", "0", "--tls-port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--tls-cert-file", certificates.serverCertificate, "--tls-key-file", certificates.serverKey,
                "--tls-ca-cert-file", certificates.ca, "--tls-auth-clients", requiringClientCertificates ? "yes" : "no",
            ])
        let probe = RedisClient(url: try RedisURL(clientURL))
        defer { Task { await probe.close() } }
        let deadline = ContinuousClock.now + .seconds(60)
        while (try? await probe.send(["PING"])) == nil {
            guard ContinuousClock.now < deadline, process.isRunning else {
                stop()
                throw RedisError.connectionFailed("localhost:\(port)", reason: "the test's TLS redis-server did not come up")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Stops the server and removes its certificates.
    public func stop() {
        process.kill()
        try? FileManager.default.removeItem(at: certificates.directory)
    }
}
