import Foundation
import Nightshift
import NightshiftTestSupport
import NightshiftTesting
import Testing

/// The dashboard in a real headless Chromium, driven by `Tests/browser/dashboard_check.py`
/// (Selenium with Debian's chromium and chromium-driver) against a real `nightshift serve`.
@Suite(.oneAtATime) struct DashboardBrowserTests {
    static let script = DeployKitTests.root.appendingPathComponent("Tests/browser/dashboard_check.py").path

    /// Whether Chromium, its driver and Selenium are here; under CI=true their absence fails.
    static func browserAvailable() async throws -> Bool {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let selenium = try await cli.run(["-c", "import selenium"], program: "/usr/bin/python3", seconds: 600)
        let present =
            FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") && selenium.status == 0
        if !present, TestServices.isRequired {
            Issue.record("chromium, chromium-driver or python3-selenium is missing (Debian packages)")
        }
        return present
    }

    @Test("viewer and admin in Chromium: pages, no actions for a viewer, run, pause, retry, bulk retry, CSRF, escaping, sign-out")
    func dashboardInChromium() async throws {
        guard try await Self.browserAvailable() else { try Test.cancel("no Chromium with Selenium here") }
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let config = try cli.write(
            config: """
                store: sqlite:./nightshift.db
                server:
                  tokens:
                    - { name: ops, role: admin, env: ADMIN_TOKEN }
                    - { name: dash, role: viewer, env: VIEWER_TOKEN }
                jobs:
                  ok:
                    kind: command
                    description: Says ok
                    schedule: "0 3 * * 1-5"
                    timezone: Europe/Berlin
                    command: [sh, -c, "echo ok"]
                  slow:
                    kind: command
                    description: Takes three seconds
                    command: [sh, -c, "sleep 3; echo done"]
                  xss:
                    kind: command
                    description: Fails with markup in its error
                    command: [sh, -c, "echo '<img src=x onerror=alert(1)>' >&2; exit 1"]
                """)
        let tokens = ["ADMIN_TOKEN": "admin-token-for-the-browser-test", "VIEWER_TOKEN": "viewer-token-for-the-browser-test"]
        #expect(try await cli.run(["run", "ok", "--config", config]).status == 0)
        #expect(try await cli.run(["run", "xss", "--config", config]).status == 1)
        let (server, log) = try cli.start(["serve", "--port", "0", "--config", config], environment: tokens)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        func output() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        let deadline = ContinuousClock.now + .seconds(120)
        while output().firstMatch(of: /dashboard on (http:\/\/[0-9.]+:\d+)\//) == nil, server.isRunning,
            ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(50))
        }
        let url = try #require(output().firstMatch(of: /dashboard on (http:\/\/[0-9.]+:\d+)\//)?.1, "\(output())")
        let screenshots = DeployKitTests.root.appendingPathComponent(".build/dashboard-screenshots")
        try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)
        let check = try await cli.run(
            [Self.script],
            environment: [
                "NIGHTSHIFT_URL": String(url), "ADMIN_TOKEN": tokens["ADMIN_TOKEN"]!, "VIEWER_TOKEN": tokens["VIEWER_TOKEN"]!,
                "SCREENSHOTS": screenshots.path,
            ], program: "/usr/bin/python3", seconds: 600)
        kill(server.processIdentifier, SIGTERM)
        _ = try await server.exitStatus()
        #expect(check.status == 0, "\(check.output)\n--- server ---\n\(output().suffix(3000))")
        for page in ["overview", "jobs", "run", "queues", "failures", "job", "runs"] {
            #expect(FileManager.default.fileExists(atPath: screenshots.appendingPathComponent("\(page).png").path), "\(page)")
        }
        // Every action was recorded with the token's name.
        #expect(output().contains("paused by ops (dashboard)") && output().contains("retried by ops (dashboard)"))
    }
}
