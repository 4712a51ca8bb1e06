import Foundation
import NightshiftTestSupport
import NightshiftTesting
import Testing

/// A real `nightshift serve` on a free port whose config has no tokens, so that it made a
/// one-time admin token for itself; and calls to its API with that token.
struct ServedAPI {
    let cli: Nightshift
    let process: TestProcess
    let log: URL
    let token: String
    let port: String

    /// Everything the server printed so far.
    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Starts `serve --config config` and waits (at most 30 s) for its token and port.
    static func start(_ cli: Nightshift, config: String, environment: [String: String] = [:]) async throws -> ServedAPI {
        let (process, log) = try cli.start(["serve", "--port", "0", "--config", config], environment: environment)
        func output() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        let deadline = ContinuousClock.now + .seconds(120)
        while output().firstMatch(of: /Bearer ([0-9a-f]{48})'/) == nil, process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let token = try #require(output().firstMatch(of: /Bearer ([0-9a-f]{48})'/)?.1, "no token printed: \(output())")
        let port = try #require(output().firstMatch(of: /admin API on http:\/\/[0-9.]+:(\d+)/)?.1, "\(output())")
        return ServedAPI(cli: cli, process: process, log: log, token: String(token), port: String(port))
    }

    /// The JSON object the API answers `method path` with.
    func call(_ method: String, _ path: String) async throws -> [String: Any] {
        let answer = try await cli.run(
            ["-s", "-X", method, "-H", "Authorization: Bearer \(token)", "http://127.0.0.1:\(port)\(path)"],
            program: "/usr/bin/curl")
        return try #require(
            try JSONSerialization.jsonObject(with: Data(answer.output.utf8)) as? [String: Any], "\(answer.output)")
    }

    /// SIGTERM, and waits for the exit.
    func stop() async throws {
        kill(process.processIdentifier, SIGTERM)
        _ = try await process.exitStatus()
    }
}
