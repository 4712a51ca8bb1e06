import Foundation
import Nightshift
import NightshiftTestSupport
import NightshiftTesting
import Testing

/// `examples/monitoring/`: the Prometheus rules are valid and fire as meant, and every metric
/// they and the Grafana dashboard query is one a real `/metrics` exposes.
@Suite(.oneAtATime) struct MonitoringExampleTests {
    static let folder = DeployKitTests.root.appendingPathComponent("examples/monitoring")

    /// The metric names in `text` (PromQL inside YAML or JSON).
    static func metricNames(in text: String) -> Set<String> {
        Set(text.matches(of: /nightshift_[a-z_]+/).map { String($0.output) })
    }

    @Test("promtool accepts the rules and their unit tests pass")
    func rules() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") else {
            if TestServices.isRequired { Issue.record("promtool is missing (Debian package prometheus)") }
            try Test.cancel("promtool is not installed")
        }
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let rules = Self.folder.appendingPathComponent("prometheus-rules.yml").path
        let check = try await cli.run(["check", "rules", rules], program: "/usr/bin/promtool")
        #expect(check.status == 0 && check.output.contains("SUCCESS: 7 rules found"), "\(check.output)")
        let test = try await cli.run(
            ["test", "rules", Self.folder.appendingPathComponent("prometheus-rules.test.yml").path], program: "/usr/bin/promtool")
        #expect(test.status == 0 && test.output.contains("SUCCESS"), "\(test.output)")
    }

    @Test("every metric the rules and the dashboard query is exposed by a real /metrics")
    func metricsExist() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let config = try cli.write(
            config: """
                store: sqlite:./nightshift.db
                jobs:
                  ok:
                    kind: command
                    schedule: "@every 1s"
                    command: [sh, -c, "true"]
                  broken:
                    kind: command
                    schedule: "@every 1s"
                    command: [sh, -c, "exit 1"]
                """)
        let served = try await ServedAPI.start(cli, config: config)
        var exposed: Set<String> = []
        let deadline = ContinuousClock.now + .seconds(120)
        let needed =
            Self.metricNames(
                in: try String(contentsOf: Self.folder.appendingPathComponent("prometheus-rules.yml"), encoding: .utf8)
            )
            .union(
                Self.metricNames(
                    in: try String(contentsOf: Self.folder.appendingPathComponent("grafana-dashboard.json"), encoding: .utf8)))
        repeat {
            try await Task.sleep(for: .milliseconds(500))
            let metrics = try await cli.run(["-s", "http://127.0.0.1:\(served.port)/metrics"], program: "/usr/bin/curl").output
            // Sample lines start with the series' name.
            exposed = Set(
                metrics.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
                    $0.prefixMatch(of: /nightshift_[a-z_]+/).map { String($0.output) }
                })
        } while !needed.isSubset(of: exposed) && ContinuousClock.now < deadline
        try await served.stop()
        #expect(needed.count >= 8, "\(needed.sorted())")
        #expect(
            needed.subtracting(exposed).isEmpty,
            "not exposed: \(needed.subtracting(exposed).sorted()); exposed: \(exposed.sorted())")
        let dashboard = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent("grafana-dashboard.json")))
                as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        #expect(panels.count >= 10 && panels.allSatisfy { ($0["targets"] as? [[String: Any]])?.isEmpty == false })
    }
}
