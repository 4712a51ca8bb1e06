import Foundation
import Logging
import Nightshift
import NightshiftDatabase
import NightshiftTestSupport
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
        let output = folder.appendingPathComponent("verify.log")
        let process = try TestProcess(analyzer, ["verify", copy.path], output: output.path)
        defer { process.kill() }
        let status = try await process.exitStatus()
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
        let config = try cli.write(config: try await Self.configMapConfig(cli))
        let checked = try await cli.run(
            ["check", "--config", config],
            environment: [
                "NIGHTSHIFT_STORE": "postgres://nightshift@db.example.com/app?sslmode=require",
                "NIGHTSHIFT_ADMIN_TOKEN": "deploy-kit-test-admin-token",
            ])
        #expect(checked.status == 0, "\(checked.output)")
        // In CI, without the Secret's values: everything else is still checked.
        let withoutSecrets = try await cli.run(["check", "--without-env", "--config", config])
        #expect(
            withoutSecrets.status == 0
                && withoutSecrets.output.contains(
                    "not checked: the values that read NIGHTSHIFT_ADMIN_TOKEN, NIGHTSHIFT_STORE (unset here"),
            "\(withoutSecrets.output)")
        let plain = try await cli.run(["check", "--config", config])
        #expect(plain.status == 2 && plain.output.contains("environment variable NIGHTSHIFT_STORE is not set"), "\(plain.output)")
    }

    @Test(
        "the package from scripts/package.sh holds binary, example, unit and license; it starts with the Swift toolchain hidden")
    func packagedBinary() async throws {
        guard let archive = ProcessInfo.processInfo.environment["NIGHTSHIFT_TEST_PACKAGE"] else {
            if TestServices.isRequired { Issue.record("NIGHTSHIFT_TEST_PACKAGE is not set (scripts/test.sh packs one)") }
            try Test.cancel("no package: set NIGHTSHIFT_TEST_PACKAGE to a scripts/package.sh archive")
        }
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let unpacked = try await cli.run(["-xzf", archive, "-C", cli.directory.path], program: "/bin/tar")
        #expect(unpacked.status == 0, "\(unpacked.output)")
        let name = URL(fileURLWithPath: archive).lastPathComponent.replacingOccurrences(of: ".tar.gz", with: "")
        #expect(name.hasPrefix("nightshift-0.") && name.hasSuffix("-linux-\(Self.machine)"), "\(name)")
        let folder = cli.directory.appendingPathComponent(name)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == [
                "LICENSE", "nightshift", "nightshift.example.yml", "nightshift.service",
            ])
        let binary = folder.appendingPathComponent("nightshift").path
        // Nothing of the Swift runtime or Foundation is loaded from the toolchain.
        let libraries = try await cli.run([binary], program: "/usr/bin/ldd")
        #expect(!libraries.output.contains("libswift") && !libraries.output.contains("libFoundation"), "\(libraries.output)")
        #expect(!libraries.output.contains("not found"), "\(libraries.output)")
        try await checkDockerfileProvides(libraries.output, cli: cli)
        // Under root, the toolchain's folder is hidden for real (an empty file system mounted over
        // it, in a mount namespace of the program's own); otherwise it is only off the PATH.
        let hidden = ["PATH": "/usr/local/bin:/usr/bin:/bin"]
        let version = try await cli.run(
            Self.withoutToolchain([binary, "--version"]), environment: hidden, program: Self.launcher)
        #expect(version.status == 0 && version.output == NightshiftVersion.current + "\n", "\(version.output)")
        // The example for systemd: its store in the unit's state directory, no demo jobs.
        let examplePath = folder.appendingPathComponent("nightshift.example.yml").path
        let example = try String(contentsOfFile: examplePath, encoding: .utf8)
        #expect(example.contains("\nstore: sqlite:/var/lib/nightshift/nightshift.db\n") && example.contains("\njobs: {}\n"))
        let checked = try await cli.run(
            Self.withoutToolchain([binary, "check", "--config", examplePath]),
            environment: hidden.merging(["NIGHTSHIFT_ADMIN_TOKEN": "deploy-kit-test-admin-token"]) { $1 }, program: Self.launcher)
        #expect(checked.status == 0 && checked.output.contains("ok, 0 jobs"), "\(checked.output)")
        let served = try cli.write(
            config: """
                store: sqlite:./served.db
                jobs:
                  heartbeat:
                    kind: command
                    schedule: "* * * * * *"
                    command: [sh, -c, "echo tick"]
                """)
        let (serve, log) = try cli.start(
            Self.withoutToolchain([binary, "serve", "--port", "0", "--config", served]), environment: hidden,
            program: Self.launcher)
        let deadline = ContinuousClock.now + .seconds(120)
        func output() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        while !output().contains("[heartbeat] Completed"), serve.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(output().contains("[heartbeat] Completed"), "\(output())")
        kill(serve.processIdentifier, SIGTERM)
        #expect(try await serve.exitStatus() == 0, "\(output())")
    }

    /// The config inside the ConfigMap, as the pods read it.
    static func configMapConfig(_ cli: Nightshift) async throws -> String {
        let extract = try await cli.run(
            [
                "-c",
                "import sys, yaml; sys.stdout.write(yaml.safe_load(open(sys.argv[1]))['data']['nightshift.yml'])",
                root.appendingPathComponent("deploy/kubernetes/configmap.yaml").path,
            ], program: "/usr/bin/python3")
        #expect(extract.status == 0, "\(extract.output)")
        return extract.output
    }

    /// The pod settings of the Deployment: its user and group, whether the root file system is
    /// read-only, where the ConfigMap is mounted, and the emptyDir mounts.
    struct PodSettings: Decodable {
        let uid: Int
        let gid: Int
        let readOnlyRoot: Bool
        let configMount: String
        let emptyDirs: [String]

        static func read(_ cli: Nightshift) async throws -> PodSettings {
            let script = """
                import json, sys, yaml
                deployment = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d['kind'] == 'Deployment')
                pod = deployment['spec']['template']['spec']
                container = pod['containers'][0]
                kinds = {v['name']: ('configMap' if 'configMap' in v else 'emptyDir' if 'emptyDir' in v else '?') for v in pod['volumes']}
                mounts = container['volumeMounts']
                print(json.dumps({
                  'uid': pod['securityContext']['runAsUser'], 'gid': pod['securityContext']['runAsGroup'],
                  'readOnlyRoot': container['securityContext']['readOnlyRootFilesystem'],
                  'configMount': next(m['mountPath'] for m in mounts if kinds[m['name']] == 'configMap'),
                  'emptyDirs': [m['mountPath'] for m in mounts if kinds[m['name']] == 'emptyDir']}))
                """
            let read = try await cli.run(
                ["-c", script, root.appendingPathComponent("deploy/kubernetes/deployment.yaml").path], program: "/usr/bin/python3"
            )
            #expect(read.status == 0, "\(read.output)")
            return try JSONDecoder().decode(PodSettings.self, from: Data(read.output.utf8))
        }
    }

    @Test(
        "the packaged binary runs the ConfigMap's command job under the Deployment's pod settings; without a writable /tmp it says which folder and setting",
        .requiresPostgres)
    func podConstraints() async throws {
        guard let archive = ProcessInfo.processInfo.environment["NIGHTSHIFT_TEST_PACKAGE"] else {
            if TestServices.isRequired { Issue.record("NIGHTSHIFT_TEST_PACKAGE is not set (scripts/test.sh packs one)") }
            try Test.cancel("no package: set NIGHTSHIFT_TEST_PACKAGE to a scripts/package.sh archive")
        }
        guard getuid() == 0 else {
            if TestServices.isRequired { Issue.record("the pod's constraints need root to set up (a mount namespace, chroot)") }
            try Test.cancel("not root: the pod's file system cannot be set up")
        }
        let cli = try Nightshift()
        defer { cli.cleanUp() }
        let pod = try await PodSettings.read(cli)
        #expect(pod.readOnlyRoot && pod.uid != 0 && pod.emptyDirs == ["/tmp"], "\(pod)")
        #expect(try await cli.run(["-xzf", archive, "-C", cli.directory.path], program: "/bin/tar").status == 0)
        let package = try #require(
            try FileManager.default.contentsOfDirectory(atPath: cli.directory.path).first { $0.hasPrefix("nightshift-") })
        let config = cli.directory.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try await Self.configMapConfig(cli).write(
            to: config.appendingPathComponent("nightshift.yml"), atomically: true, encoding: .utf8)
        try await ScratchDatabase.with(
            beside: try DatabaseURL(try TestServices.url(of: .postgres)), prefix: "pod", logger: Logger(label: "pod-test")
        ) { store in
            let environment = ["NIGHTSHIFT_STORE": store, "NIGHTSHIFT_ADMIN_TOKEN": "pod-test-admin-token"]
            func inPod(emptyDirs: [String]) async throws -> (status: Int32, output: String) {
                try await cli.run(
                    [
                        "\(pod.uid)", "\(pod.gid)", cli.directory.appendingPathComponent(package).path, config.path,
                        pod.configMount, emptyDirs.joined(separator: " "), "/opt/nightshift/nightshift", "run", "disk-report",
                        "--config", pod.configMount + "/nightshift.yml",
                    ], environment: environment, program: Self.root.appendingPathComponent("Tests/deploy/pod.sh").path)
            }
            let withoutTmp = try await inPod(emptyDirs: [])
            #expect(
                withoutTmp.status == 1 && withoutTmp.output.contains("cannot create a folder for NIGHTSHIFT_RESULT_FILE in /tmp")
                    && withoutTmp.output.contains("TMPDIR"), "\(withoutTmp.output)")
            let ran = try await inPod(emptyDirs: pod.emptyDirs)
            #expect(ran.status == 0 && ran.output.contains("[disk-report] Completed. exitStatus=0"), "\(ran.output)")
        }
    }

    /// The Dockerfile builds with scripts/package.sh, runs as an unprivileged user, and its
    /// runtime stage installs the Debian package of every library `ldd` lists for the binary
    /// (but the C library and libgcc, in every Debian image).
    func checkDockerfileProvides(_ libraries: String, cli: Nightshift) async throws {
        let dockerfile = try String(contentsOf: Self.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let stages = dockerfile.components(separatedBy: "\nFROM ")
        #expect(stages.count == 3, "a build stage and a runtime stage")
        #expect(stages.count > 1 && stages[1].contains("RUN scripts/package.sh"), "the build stage runs scripts/package.sh")
        let runtime = stages.last ?? ""
        #expect(runtime.hasPrefix("debian:") && runtime.contains("-slim"), "a slim Debian runtime")
        #expect(runtime.contains("\nUSER 10001\n") && runtime.contains("useradd --system --uid 10001"))
        let paths = libraries.split(separator: "\n").compactMap { line -> String? in
            guard let arrow = line.range(of: "=> ") else { return nil }
            return line[arrow.upperBound...].split(separator: " ").first.map(String.init)
        }
        #expect(!paths.isEmpty, "\(libraries)")
        let installed = Set(
            runtime.split(separator: "\n").filter { $0.contains("apt-get install") }.flatMap { $0.split(separator: " ") }
                .map(String.init))
        for path in paths {
            // dpkg knows each file by one name: the link or its target, with or without /usr
            // (Debian 12 merged /lib into /usr/lib).
            let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            var package = ""
            for name in [path, real] {
                for candidate in [name, name.hasPrefix("/usr/") ? String(name.dropFirst(4)) : "/usr" + name] where package.isEmpty
                {
                    let owner = try await cli.run(["-S", candidate], program: "/usr/bin/dpkg")
                    if owner.status == 0 { package = owner.output.split(separator: ":").first.map(String.init) ?? "" }
                }
            }
            #expect(!package.isEmpty, "no Debian package owns \(path)")
            guard !["libc6", "libgcc-s1"].contains(package) else { continue }
            #expect(installed.contains(package), "the runtime stage does not install \(package), which has \(path)")
        }
    }

    /// `uname -m`: the architecture a package is named after.
    static var machine: String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// The folder of the Swift toolchain on the `PATH` (`/opt/swift/usr` for `/opt/swift/usr/bin/swift`).
    static var toolchain: String? {
        let path = ProcessInfo.processInfo.environment["PATH", default: ""].split(separator: ":").map { "\($0)/swift" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        return path.map {
            URL(fileURLWithPath: $0).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent().path
        }
    }

    /// What runs a command with the toolchain hidden: `unshare` as root, else the shell.
    static var launcher: String { getuid() == 0 && toolchain != nil ? "/usr/bin/unshare" : "/bin/sh" }

    /// The arguments of ``launcher`` that run `command` with the toolchain hidden.
    static func withoutToolchain(_ command: [String]) -> [String] {
        let script = #"exec "$0" "$@""#
        guard launcher == "/usr/bin/unshare", let toolchain else { return ["-c", script] + command }
        return ["--mount", "/bin/sh", "-c", "mount -t tmpfs none '\(toolchain)' && " + script] + command
    }
}
