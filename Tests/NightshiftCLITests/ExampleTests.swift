import NightshiftDatabase
import Foundation
import Logging
import NightshiftRedis
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import Testing

/// The runnable examples in `examples/`, each a script that sets up the data of the team it
/// comes from, runs its jobs with the real binary and checks that team's documented results.
@Suite(.oneAtATime) struct ExampleTests {
    /// What an example needs: PostgreSQL (a scratch database) and Redis (a database number of
    /// its own on the test server, which the script empties).
    struct Example: Sendable, CustomTestStringConvertible {
        let name: String
        let postgres: Bool
        let redisDatabase: Int?
        var testDescription: String { name }
    }

    static let examples = [
        Example(name: "usage-pipeline", postgres: true, redisDatabase: 1),
        Example(name: "merchant-usage", postgres: true, redisDatabase: 2),
        Example(name: "log-retention", postgres: false, redisDatabase: nil),
        Example(name: "telemetry-rollup", postgres: true, redisDatabase: nil),
        Example(name: "admin-api", postgres: false, redisDatabase: nil),
    ]

    @Test("each example passes its checks", arguments: examples)
    func example(_ example: Example) async throws {
        var variables = ["NIGHTSHIFT": Nightshift.binary]
        if let database = example.redisDatabase {
            let server = try RedisURL(try TestRedis.url())
            variables["REDIS_URL"] = "redis://\(server.host):\(server.port)/\(database)"
        }
        if example.postgres {
            let base = try DatabaseURL(try TestServices.url(of: .postgres))
            try await ScratchDatabase.with(beside: base, prefix: "example", logger: Logger(label: "example-test")) { url in
                variables["APP_DATABASE"] = url
                try await run(example, variables)
            }
        } else {
            try await run(example, variables)
        }
    }

    private func run(_ example: Example, _ variables: [String: String]) async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/\(example.name)/run.sh").path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("\(example.name)-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = try TestProcess("/bin/bash", [script], environment: variables, output: output.path)
        defer { process.kill() }
        let status = try await process.exitStatus(within: 300)
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(status == 0, "\(text)")
        #expect(text.contains("ALL CHECKS PASSED"), "\(text)")
    }
}
