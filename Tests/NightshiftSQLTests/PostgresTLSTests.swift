import Foundation
import Logging
import Nightshift
import NightshiftDatabase
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import Testing

/// A server that accepts only TLS, as managed PostgreSQL does (Neon, Supabase with SSL enforced,
/// RDS with `rds.force_ssl`): a cluster of the test's own with certificates made by `openssl`.
@Suite(.requiresPostgres, .serialized, .oneAtATime) struct PostgresTLSTests {
    let logger = Logger(label: "tls-test")

    /// The error of connecting to `url`, as the CLI prints it; nil when it connects.
    func connectionError(_ url: String) async -> String? {
        do {
            let pool = try await SQLConnectionPool.open(try DatabaseURL(url), logger: logger)
            defer { Task { await pool.close() } }
            try await pool.checkConnection()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("TLS only: require and verify-full connect, disable is told TLS is needed, a wrong CA or host name is named")
    func tlsModes() async throws {
        let cluster = try await PostgresTestCluster(
            tls: true, hba: ["local all all trust", "hostssl all all 127.0.0.1/32 trust"])
        defer { cluster.stop() }
        let base = "postgres://postgres:not-logged@localhost:\(cluster.port)/postgres"
        try await SQLJobStore.withStore(base + "?sslmode=require", logger: logger) { store in
            let run = try await store.start(NewRun(job: "tls"), worker: "w")
            #expect(try await store.complete(RunCompletion(runID: run.id, job: "tls", attempt: 1, outcome: .succeeded)))
        }
        #expect(await connectionError(base + "?sslmode=verify-full&sslrootcert=\(cluster.caCertificate)") == nil)
        #expect(await connectionError(base) == nil, "prefer, the default, takes TLS when it is offered")

        let disabled = await connectionError(base + "?sslmode=disable") ?? ""
        #expect(disabled.contains("accepts only TLS connections here: set sslmode=require"), "\(disabled)")
        let otherCA =
            await connectionError(
                base + "?sslmode=verify-full&sslrootcert=\(cluster.directory.appendingPathComponent("server.crt").path)") ?? ""
        #expect(otherCA.contains("not signed by a trusted CA"), "\(otherCA)")
        let wrongHost =
            await connectionError(
                "postgres://postgres@127.0.0.1:\(cluster.port)/postgres?sslmode=verify-full&sslrootcert=\(cluster.caCertificate)")
            ?? ""
        #expect(wrongHost.contains("does not name this host"), "\(wrongHost)")
        for message in [disabled, otherCA, wrongHost] {
            #expect(message.contains("localhost:\(cluster.port)") || message.contains("127.0.0.1:\(cluster.port)"))
            #expect(!message.contains("not-logged"), "the password never shows")
        }
    }

    @Test("a client certificate is accepted where pg_hba asks for cert; a Unix socket reaches the server without TLS")
    func certificatesAndSockets() async throws {
        let cluster = try await PostgresTestCluster(
            tls: true,
            hba: ["local all all trust", "hostssl all certuser 127.0.0.1/32 cert", "hostssl all all 127.0.0.1/32 trust"])
        defer { cluster.stop() }
        try await cluster.psql("CREATE ROLE certuser LOGIN")
        let client = try await cluster.clientCertificate(for: "certuser")
        let certified =
            "postgres://certuser@localhost:\(cluster.port)/postgres?sslmode=verify-full&sslrootcert=\(cluster.caCertificate)"
        #expect(await connectionError(certified + "&sslcert=\(client.certificate)&sslkey=\(client.key)") == nil)
        let without = await connectionError(certified) ?? ""
        #expect(without.contains("certificate"), "\(without)")
        let socket = "postgres:///postgres?host=\(cluster.socketDirectory)&port=\(cluster.port)&sslmode=disable"
        let migrated = try await SQLJobStore.withStore(socket, logger: logger) { try await $0.isMigrated() }
        #expect(migrated, "migrated over the socket")
        let missingFile = await connectionError(certified + "&sslcert=/nonexistent.pem&sslkey=\(client.key)") ?? ""
        #expect(missingFile.contains("sslcert=/nonexistent.pem cannot be read"), "\(missingFile)")
    }
}
