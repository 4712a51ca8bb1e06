import Foundation
import Nightshift

/// Where a Redis server is and how to log in: `redis://[[user]:password@]host[:port][/db]`, or
/// `rediss://…` for TLS, with `?ca=/path.pem` (the CA that signs the server's certificate,
/// else the system's), `cert=` and `key=` (a client certificate), and `timeout=30s` (how long a
/// command may wait for its answer).
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    /// The host name or address.
    public var host: String
    /// The port, 6379 unless given.
    public var port: Int
    /// The ACL user for `AUTH`, if any.
    public var user: String?
    /// The password for `AUTH`, if any.
    public var password: String?
    /// The database number for `SELECT`.
    public var database: Int
    /// Whether the connection uses TLS (`rediss://`).
    public var tls: Bool
    /// `ca`: the CA certificates (PEM) that sign the server's certificate; nil: the system's.
    public var caFile: String?
    /// `cert` and `key`: a client certificate (PEM) and its key.
    public var clientCertificate: String?
    public var clientKey: String?
    /// `timeout`: how long a command waits for its answer; nil: the client's default.
    public var commandTimeout: Duration?

    /// Reads `text`; throws ``RedisError/invalidURL(_:reason:)`` naming what is wrong.
    public init(_ text: String) throws(RedisError) {
        guard let components = URLComponents(string: text), components.scheme == "redis" || components.scheme == "rediss" else {
            throw .invalidURL(URLPasswordMask.mask(text), reason: "expected redis://host[:port][/db] or rediss:// for TLS")
        }
        tls = components.scheme == "rediss"
        for item in components.queryItems ?? [] {
            guard let value = item.value, !value.isEmpty else {
                throw .invalidURL(URLPasswordMask.mask(text), reason: "'\(item.name)' has no value")
            }
            switch item.name {
            case "ca": caFile = value
            case "cert": clientCertificate = value
            case "key": clientKey = value
            case "timeout":
                guard let seconds = try? DurationText.seconds(value), seconds > 0 else {
                    throw .invalidURL(URLPasswordMask.mask(text), reason: "timeout=\(value) is not a duration such as 30s")
                }
                commandTimeout = .seconds(seconds)
            default:
                throw .invalidURL(
                    URLPasswordMask.mask(text), reason: "unknown parameter '\(item.name)'; known: ca, cert, key, timeout")
            }
        }
        if (caFile != nil || clientCertificate != nil || clientKey != nil) && !tls {
            throw .invalidURL(URLPasswordMask.mask(text), reason: "ca, cert and key need rediss://")
        }
        if (clientCertificate == nil) != (clientKey == nil) {
            throw .invalidURL(URLPasswordMask.mask(text), reason: "needs cert and key together")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL(URLPasswordMask.mask(text), reason: "no host") }
        self.host = host
        port = components.port ?? 6379
        user = components.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding }
        password = components.password?.removingPercentEncoding
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if path.isEmpty {
            database = 0
        } else if let number = Int(path), number >= 0 {
            database = number
        } else {
            throw .invalidURL(URLPasswordMask.mask(text), reason: "'\(path)' is not a database number")
        }
    }

    /// The URL with the password masked, for logs and errors.
    public var description: String {
        let login = password == nil ? (user.map { "\($0)@" } ?? "") : "\(user ?? ""):***@"
        return "\(tls ? "rediss" : "redis")://\(login)\(host):\(port)/\(database)"
    }
}
