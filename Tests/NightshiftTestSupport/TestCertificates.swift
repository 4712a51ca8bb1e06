import Foundation

/// Certificates made with `openssl` for a test: a CA, a server certificate for `localhost`
/// signed by it, and client certificates on demand, in a folder of the test's.
public struct TestCertificates: Sendable {
    /// The folder that holds them.
    public let directory: URL
    /// The CA's certificate (PEM).
    public var ca: String { directory.appendingPathComponent("ca.crt").path }
    /// The server's certificate and key (PEM), for `localhost`.
    public var serverCertificate: String { directory.appendingPathComponent("server.crt").path }
    public var serverKey: String { directory.appendingPathComponent("server.key").path }

    /// Makes a CA and a server certificate in `directory`.
    public init(in directory: URL) async throws {
        self.directory = directory
        let path = directory.path
        try await PostgresTestCluster.run([
            "openssl", "req", "-new", "-x509", "-nodes", "-days", "2", "-newkey", "rsa:2048", "-subj", "/CN=nightshift test CA",
            "-keyout", "\(path)/ca.key", "-out", "\(path)/ca.crt",
        ])
        try await PostgresTestCluster.run([
            "openssl", "req", "-new", "-nodes", "-newkey", "rsa:2048", "-subj", "/CN=localhost", "-keyout", "\(path)/server.key",
            "-out", "\(path)/server.csr",
        ])
        try "subjectAltName = DNS:localhost\n".write(toFile: "\(path)/server.ext", atomically: true, encoding: .utf8)
        try await PostgresTestCluster.run([
            "openssl", "x509", "-req", "-in", "\(path)/server.csr", "-CA", "\(path)/ca.crt", "-CAkey", "\(path)/ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "\(path)/server.ext", "-out", "\(path)/server.crt",
        ])
        try await PostgresTestCluster.run(["chmod", "600", "\(path)/server.key", "\(path)/ca.key"])
    }

    /// Makes a client certificate for `name` signed by the CA; returns its certificate and key.
    public func client(for name: String) async throws -> (certificate: String, key: String) {
        let base = directory.appendingPathComponent("client-\(name)").path
        try await PostgresTestCluster.run([
            "openssl", "req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", "\(base).key", "-subj", "/CN=\(name)", "-out",
            "\(base).csr",
        ])
        try await PostgresTestCluster.run([
            "openssl", "x509", "-req", "-in", "\(base).csr", "-CA", ca, "-CAkey", directory.appendingPathComponent("ca.key").path,
            "-CAcreateserial", "-days", "2", "-out", "\(base).crt",
        ])
        return ("\(base).crt", "\(base).key")
    }
}
