import Foundation
import NightshiftRedis
import NightshiftTesting
import Testing

/// Redis with in-transit encryption, as managed Redis offers it: a `redis-server` of the test's
/// own that listens for TLS only (`--port 0 --tls-port`).
@Suite(.requiresRedis, .serialized) struct RedisTLSTests {
    /// Starts a TLS-only redis-server; returns it and its port.
    func startServer(_ certificates: TestCertificates) async throws -> (Process, Int) {
        let port = Int.random(in: 50_000...59_999)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "redis-server", "--port", "0", "--tls-port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--tls-cert-file", certificates.serverCertificate, "--tls-key-file", certificates.serverKey,
            "--tls-ca-cert-file", certificates.ca, "--tls-auth-clients", "no",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, port)
    }

    @Test("rediss:// with the CA works; plain redis:// to a TLS-only server and an untrusted certificate fail, saying why")
    func tlsOnly() async throws {
        let folder = URL(fileURLWithPath: "/tmp/nightshift-redis-tls-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try TestCertificates(in: folder)
        let (server, port) = try await startServer(certificates)
        defer { kill(server.processIdentifier, SIGKILL) }
        let client = RedisClient(url: try RedisURL("rediss://localhost:\(port)/0?ca=\(certificates.ca)&timeout=5s"))
        defer { Task { await client.close() } }
        // Up within seconds; each try is a full TLS connection.
        let deadline = ContinuousClock.now + .seconds(15)
        while (try? await client.send(["PING"])) == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        _ = try await client.send(["SET", "tls-key", "42"])
        #expect(try await client.send(["GET", "tls-key"]).string == "42")

        let plain = RedisClient(url: try RedisURL("redis://localhost:\(port)/0"))
        await #expect {
            try await plain.send(["PING"])
        } throws: { error in
            "\(error)".contains("use rediss://")
        }
        await plain.close()
        let untrusted = RedisClient(url: try RedisURL("rediss://localhost:\(port)/0"))
        await #expect {
            try await untrusted.send(["PING"])
        } throws: { error in
            "\(error)".lowercased().contains("certificate")
        }
        await untrusted.close()
    }

    @Test(
        "rediss:// URLs: their parameters are read, and unknown or misplaced ones are refused",
        arguments: [
            ("rediss://h?ssl=1", "unknown parameter 'ssl'"), ("redis://h?ca=/ca.pem", "need rediss://"),
            ("rediss://h?cert=/c.pem", "needs cert and key together"), ("rediss://h?timeout=soon", "timeout=soon"),
        ])
    func urls(text: String, reason: String) throws {
        let url = try RedisURL("rediss://:secret@cache.example.com:6380/2?ca=/ca.pem&cert=/c.pem&key=/k.pem&timeout=3s")
        #expect(url.tls && url.caFile == "/ca.pem" && url.clientCertificate == "/c.pem" && url.commandTimeout == .seconds(3))
        #expect(url.description == "rediss://:***@cache.example.com:6380/2")
        #expect {
            _ = try RedisURL(text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}
