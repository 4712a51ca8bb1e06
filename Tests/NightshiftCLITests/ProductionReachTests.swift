import Foundation
import Nightshift
import NightshiftTestSupport
import NightshiftTesting
import Testing

/// The CLI against a PostgreSQL that takes only TLS over TCP, and over its Unix socket.
@Suite(.requiresPostgres, .serialized, .oneAtATime) struct ProductionReachTests {
    @Test("sslmode=require: migrate, run a sql job on a TLS database; over the Unix socket serve runs a scheduled job")
    func tlsAndSocket() async throws {
        let cluster = try await PostgresTestCluster(
            tls: true, hba: ["local all all trust", "hostssl all all 127.0.0.1/32 trust"])
        defer { cluster.stop() }
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let tls =
            "postgres://postgres:hidden-pw@localhost:\(cluster.port)/postgres?sslmode=verify-full&sslrootcert=\(cluster.caCertificate)"
        let socket = "postgres:///postgres?host=\(cluster.socketDirectory)&port=\(cluster.port)"
        let config = try cli.write(
            config: """
                store: "\(tls)"
                databases: { app: "\(tls)" }
                jobs:
                  ping:
                    kind: sql
                    database: app
                    sql: "SELECT 1 AS one"
                """)
        let migrated = try await cli.run(["migrate", "--config", config])
        #expect(migrated.status == 0 && !migrated.output.contains("hidden-pw"), "\(migrated.output)")
        let run = try await cli.run(["run", "ping", "--config", config])
        #expect(run.status == 0 && run.output.contains("[ping] Completed."), "\(run.output)")
        let refused = try cli.write(
            config: "store: \"\(tls.replacingOccurrences(of: "verify-full", with: "disable"))\"\njobs: {}\n")
        let disabled = try await cli.run(["runs", "--config", refused])
        #expect(disabled.status == 1 && disabled.output.contains("accepts only TLS connections here"), "\(disabled.output)")
        #expect(!disabled.output.contains("hidden-pw"))

        let served = try cli.write(
            config: """
                store: "\(socket)"
                jobs:
                  tick:
                    kind: command
                    command: ["true"]
                    schedule: "@every 1s"
                """)
        let (server, log) = try cli.start(["serve", "--port", "0", "--config", served])
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline,
            !((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("[tick] Completed")
        {
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(server.processIdentifier, SIGTERM)
        #expect(try await server.exitStatus() == 0)
        #expect(try String(contentsOf: log, encoding: .utf8).contains("[tick] Completed"))
    }
}
