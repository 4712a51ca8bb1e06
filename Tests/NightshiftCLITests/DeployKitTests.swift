import Foundation
import NightshiftTesting
import Testing

/// The deploy kit in `deploy/`, checked as far as this machine allows.
@Suite struct DeployKitTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the systemd unit passes systemd-analyze verify without a warning, and is hardened")
    func systemdUnit() async throws {
        let analyzer = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard let analyzer else {
            if TestServices.isRequired { Issue.record("systemd-analyze is missing (package systemd)") }
            try Test.cancel("systemd-analyze is not installed")
        }
        let unit = try String(contentsOf: Self.root.appendingPathComponent("deploy/systemd/nightshift.service"), encoding: .utf8)
        for setting in [
            "DynamicUser=yes", "StateDirectory=nightshift", "ProtectSystem=strict", "Restart=on-failure", "KillSignal=SIGTERM",
            "TimeoutStopSec=60", "NoNewPrivileges=yes",
        ] {
            #expect(unit.contains(setting + "\n"), "\(setting)")
        }
        // The unit names the installed binary; here the one just built stands in for it.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("nightshift.service")
        try unit.replacingOccurrences(of: "/usr/local/bin/nightshift", with: Nightshift.binary).write(
            to: copy, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: analyzer)
        process.arguments = ["verify", copy.path]
        let output = folder.appendingPathComponent("verify.log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let status = try await Nightshift.exitStatus(of: process)
        let report = try String(contentsOf: output, encoding: .utf8)
        #expect(status == 0 && report.isEmpty, "\(report)")
    }

    @Test("the Kubernetes manifests validate against the Kubernetes schemas, and their config passes nightshift check")
    func kubernetesManifests() async throws {
        let validator = ProcessInfo.processInfo.environment["PATH", default: ""].split(separator: ":").map {
            "\($0)/kubernetes-validate"
        }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let validator else {
            if TestServices.isRequired { Issue.record("kubernetes-validate is missing (pip install kubernetes-validate)") }
            try Test.cancel("kubernetes-validate is not installed")
        }
        let folder = Self.root.appendingPathComponent("deploy/kubernetes")
        let manifests = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(manifests == ["configmap.yaml", "cronjob.yaml", "deployment.yaml", "secret.example.yaml"])
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        for manifest in manifests {
            let (status, output) = try await cli.run(
                ["--strict", folder.appendingPathComponent(manifest).path], program: validator)
            #expect(status == 0 && !output.contains("ERROR"), "\(manifest): \(output)")
        }
        // The config inside the ConfigMap, as the pods read it.
        let extract = try await cli.run(
            [
                "-c",
                "import sys, yaml; sys.stdout.write(yaml.safe_load(open(sys.argv[1]))['data']['nightshift.yml'])",
                folder.appendingPathComponent("configmap.yaml").path,
            ], program: "/usr/bin/python3")
        #expect(extract.status == 0, "\(extract.output)")
        let config = try cli.write(config: extract.output)
        let checked = try await cli.run(
            ["check", "--config", config],
            environment: [
                "NIGHTSHIFT_STORE": "postgres://nightshift@db.example.com/app?sslmode=require", "NIGHTSHIFT_ADMIN_TOKEN": "x",
            ])
        #expect(checked.status == 0, "\(checked.output)")
    }
}
