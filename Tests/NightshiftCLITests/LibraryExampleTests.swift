import Foundation
import NightshiftTestSupport
import NightshiftTesting
import Testing

/// The README's library section, word for word: its app is `examples/swift-app`, built by the
/// package; its products exist; its config beside the app lets the command line read the app's runs.
@Suite struct LibraryExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The README's section on the library.
    static func section() throws -> String {
        let readme = try text("README.md")
        let start = try #require(readme.range(of: "## Use it as a Swift library"))
        let end = try #require(readme.range(of: "\n## ", range: start.upperBound..<readme.endIndex))
        return String(readme[start.lowerBound..<end.lowerBound])
    }

    @Test("the README shows the example app as it is built, and names products the package has")
    func readmeMatchesTheExample() throws {
        let section = try Self.section()
        let app = try Self.text("examples/swift-app/Sources/App/main.swift")
        #expect(section.contains("```swift\n" + app + "```"), "the README's main.swift differs from examples/swift-app")
        let manifest = try Self.text("Package.swift")
        let named = section.matches(of: /\.product\(name: "(\w+)", package: "nightshift"\)/).map { String($0.1) }
        #expect(named.count >= 3)
        for product in named { #expect(manifest.contains(".library(name: \"\(product)\""), "\(product)") }
        let table = section.matches(of: /\| `(Nightshift\w*)` \|/).map { String($0.1) }
        for product in table { #expect(manifest.contains(".library(name: \"\(product)\""), "\(product)") }
        #expect(section.contains(".package(path: \"../nightshift\")"))
    }

    @Test("a test target that depends only on NightshiftTesting builds without SQL, PostgreSQL, SQLite or Redis")
    func theTestKitProductNeedsOnlyTheCore() async throws {
        let manifest = try await DumpedManifest.ofThisPackage(root: Self.root)
        let reached = manifest.dependencies(ofTargets: try #require(manifest.products["NightshiftTesting"]))
        #expect(reached.targets == ["Nightshift", "NightshiftTesting"])
        #expect(reached.packages.isSubset(of: ["swift-log", "swift-metrics", "swift-service-lifecycle"]), "\(reached.packages)")
    }

    @Test("the example app runs its enqueued job and stops on SIGTERM; the README's config without jobs reads its runs")
    func appRunsAndTheCommandLineSeesIt() async throws {
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let store = "sqlite:\(cli.directory.path)/jobs.db"
        let (app, log) = try cli.start([], environment: ["DATABASE_URL": store], program: Nightshift.appExample)
        let deadline = ContinuousClock.now + .seconds(120)
        func output() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        while !output().contains("sent invoice 42"), app.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(output().contains("sent invoice 42"), "\(output())")
        app.send(SIGTERM)
        #expect(try await app.exitStatus(within: 60) == 0, "\(output())")

        let section = try Self.section()
        let yaml = try #require(section.firstMatch(of: /```yaml\n([\s\S]*?)```/)).1
        let config = try cli.write(config: String(yaml))
        let environment = ["DATABASE_URL": store, "NIGHTSHIFT_ADMIN_TOKEN": "library-example-admin-token"]
        let check = try await cli.run(["check", "--config", config], environment: environment)
        #expect(check.status == 0, "\(check.output)")
        let runs = try await cli.run(["runs", "--config", config, "--job", "send-invoice"], environment: environment)
        #expect(runs.status == 0 && runs.output.contains("succeeded"), "\(runs.output)")
    }
}
