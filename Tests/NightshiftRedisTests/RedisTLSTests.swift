import Foundation
import NightshiftRedis
import NightshiftTestSupport
import NightshiftTesting
import Testing

/// Redis with in-transit encryption, as managed Redis offers it: a `redis-server` of the test's
/// own that listens for TLS only (`--port 0 --tls-port`).
@Suite(.requiresRedis, .serialized) struct RedisTLSTests {
    @Test("rediss:// with the CA works; plain redis:// to a TLS-only server and an untrusted certificate fail, saying why")
    func tlsOnly() async throws {
        let server = try await TLSRedisServer()
        defer { server.stop() }
        let port = server.port
        let client = RedisClient(url: try RedisURL(server.url + "&timeout=5s"))
        defer { Task { await client.close() } }
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

    @Test("a server that requires client certificates takes the one given by cert= and key=, and refuses a client without")
    func clientCertificates() async throws {
        let server = try await TLSRedisServer(requiringClientCertificates: true)
        defer { server.stop() }
        let client = RedisClient(url: try RedisURL(server.clientURL + "&timeout=5s"))
        defer { Task { await client.close() } }
        _ = try await client.send(["SET", "cert-key", "7"])
        #expect(try await client.send(["GET", "cert-key"]).string == "7")
        let anonymous = RedisClient(url: try RedisURL(server.url + "&timeout=5s"))
        await #expect {
            try await anonymous.send(["PING"])
        } throws: { error in
            "\(error)".contains("requires client certificates does that: give cert= and key=")
        }
        await anonymous.close()
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
