import Foundation

/// A PostgreSQL cluster of a test's own, in a throwaway folder, for tests that need a server set
/// up otherwise than the shared one: TLS only, client certificates, a Unix socket. Certificates
/// are made with `openssl` for the test: a CA, a server certificate for `localhost`, and client
/// certificates on demand. Needs PostgreSQL's programs (`scripts/test.sh` installs them).
public final class PostgresTestCluster: @unchecked Sendable {
    /// The TCP port it listens on, on 127.0.0.1.
    public let port: Int
    /// Its folder: the data, the socket and the certificates.
    public let directory: URL
    /// The certificates of a TLS cluster.
    public let certificates: TestCertificates?
    /// The CA that signed the server's certificate (PEM).
    public var caCertificate: String { directory.appendingPathComponent("ca.crt").path }
    /// The folder of its Unix socket.
    public var socketDirectory: String { directory.path }
    private let binaries: String
    private let runAs: [String]

    /// Why the cluster did not come up.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts a cluster whose `pg_hba.conf` is `hba` (lines), with TLS on when `tls` is true.
    public init(tls: Bool, hba: [String]) async throws {
        guard
            let versions = try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"),
            let version = versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }).first
        else { throw Failure(description: "PostgreSQL's programs are not installed (/usr/lib/postgresql/*/bin)") }
        binaries = "/usr/lib/postgresql/\(version)/bin"
        directory = URL(fileURLWithPath: "/tmp/nightshift-pg-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // PostgreSQL refuses to run as root.
        runAs = getuid() == 0 ? ["runuser", "-u", "postgres", "--"] : []
        certificates = tls ? try await TestCertificates(in: directory) : nil
        if getuid() == 0 { try await Self.run(["chown", "-R", "postgres", directory.path]) }
        let data = directory.appendingPathComponent("data").path
        try await Self.run(runAs + ["\(binaries)/initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"])
        try (hba.joined(separator: "\n") + "\n").write(toFile: "\(data)/pg_hba.conf", atomically: true, encoding: .utf8)
        // A random port may be taken (another test's server picked it too): another one, up to
        // three times; a start that fails otherwise says why, from the server's own log.
        var started: Int?
        var failure = ""
        for _ in 0..<3 where started == nil {
            // Below the ephemeral ports (32768 and up), apart from the other test servers' ranges.
            let candidate = Int.random(in: 26_000...28_999)
            var settings = [
                "port = \(candidate)", "listen_addresses = '127.0.0.1'", "unix_socket_directories = '\(directory.path)'",
                "fsync = off", "max_connections = 50",
            ]
            if tls {
                settings += [
                    "ssl = on", "ssl_cert_file = '\(directory.path)/server.crt'",
                    "ssl_key_file = '\(directory.path)/server.key'", "ssl_ca_file = '\(directory.path)/ca.crt'",
                ]
            }
            try (settings.joined(separator: "\n") + "\n").write(
                toFile: "\(data)/postgresql.auto.conf", atomically: true, encoding: .utf8)
            if getuid() == 0 { try await Self.run(["chown", "-R", "postgres", directory.path]) }
            do {
                // The server pg_ctl leaves running would hold a pipe open: its output goes to a file.
                try await Self.run(
                    runAs + ["\(binaries)/pg_ctl", "-D", data, "-l", "\(directory.path)/postgres.log", "-w", "start"],
                    output: directory.appendingPathComponent("pg_ctl.log"))
                started = candidate
            } catch {
                let log = (try? String(contentsOfFile: "\(directory.path)/postgres.log", encoding: .utf8)) ?? ""
                failure = "\(error); the server's log ends: \(log.suffix(1200))"
                guard log.contains("could not bind") || log.contains("already in use") else { break }
            }
        }
        guard let started else {
            try? FileManager.default.removeItem(at: directory)
            throw Failure(description: failure)
        }
        port = started
    }

    /// Makes a client certificate for `user`, signed by the cluster's CA; returns the paths of
    /// the certificate and its key.
    public func clientCertificate(for user: String) async throws -> (certificate: String, key: String) {
        guard let certificates else { throw Failure(description: "the cluster was started without TLS") }
        return try await certificates.client(for: user)
    }

    /// Runs `statement` as the superuser through `psql` on the socket.
    public func psql(_ statement: String) async throws {
        try await Self.run(
            runAs + [
                "\(binaries)/psql", "-h", directory.path, "-p", "\(port)", "-U", "postgres", "-d", "postgres", "-qc", statement,
            ])
    }

    /// Stops the server and removes its folder.
    public func stop() {
        // Blocking, for `defer`: `pg_ctl stop -m immediate` returns at once.
        _ = try? Self.runBlocking(
            runAs + ["\(binaries)/pg_ctl", "-D", directory.appendingPathComponent("data").path, "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `arguments` to its end on a thread of its own, its output into `output` (a file in
    /// the cluster's folder by default); throws with that output when it fails.
    ///
    /// Waiting for a program (`initdb`, `pg_ctl start -w`: seconds) on a thread of the
    /// concurrency pool, which has one thread per core, stalled every other test meanwhile: a
    /// 200 ms wait elsewhere once took 5 s on the 2-core CI machine.
    @discardableResult
    static func run(_ arguments: [String], output file: URL? = nil) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runBlocking(arguments, output: file) })
            }
        }
    }

    /// ``run(_:output:)`` on the calling thread: the program starts with no signal blocked or
    /// ignored, as a ``TestProcess``, so the server that `pg_ctl start` leaves behind stops on
    /// the signals it expects.
    @discardableResult
    static func runBlocking(_ arguments: [String], output file: URL? = nil) throws -> String {
        let log =
            file ?? URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("nightshift-run-\(UUID().uuidString).log")
        defer { if file == nil { try? FileManager.default.removeItem(at: log) } }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let status = try TestProcess(arguments[0], Array(arguments.dropFirst()), output: log.path).waitForExit()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw Failure(description: "\(arguments.joined(separator: " ")) failed: \(text.suffix(800))")
        }
        return text
    }
}
