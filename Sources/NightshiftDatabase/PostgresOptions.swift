import Foundation
import Nightshift

/// The connection options of a PostgreSQL URL, written as libpq's users write them:
/// `postgres://app@db.example.com/app?sslmode=verify-full&sslrootcert=/etc/ssl/rds.pem`.
public struct PostgresOptions: Equatable, Sendable {
    /// Whether and how TLS is used, with libpq's meaning of each mode.
    public enum SSLMode: String, Equatable, Sendable, CaseIterable {
        /// Never TLS.
        case disable
        /// TLS when the server offers it, plain otherwise; the certificate is not checked (libpq's default).
        case prefer
        /// TLS or nothing; the certificate is not checked (checked against `sslrootcert` when given).
        case require
        /// TLS, with a certificate signed by a trusted CA (`sslrootcert`, else the system's).
        case verifyCA = "verify-ca"
        /// As `verify-ca`, and the certificate names the host connected to.
        case verifyFull = "verify-full"
    }

    /// `sslmode`: `PGSSLMODE` when the URL has none, else `prefer`.
    public var sslMode: SSLMode = .prefer
    /// `sslrootcert`: the CA certificates (PEM) that sign the server's certificate.
    public var rootCertificate: String?
    /// `sslcert` and `sslkey`: a client certificate (PEM) and its key, for `cert` authentication.
    public var clientCertificate: String?
    public var clientKey: String?
    /// `application_name`, shown in `pg_stat_activity`.
    public var applicationName = "nightshift"
    /// `connect_timeout`: how long one attempt to connect may take.
    public var connectTimeout: Duration = .seconds(5)
    /// `pool_size` (or `max_connections`): the most connections the pool opens.
    public var poolSize = 10
    /// `statement_timeout`: the server cancels a statement that runs longer.
    public var statementTimeout: Duration?
    /// `host=/path` (a folder, as libpq): connect over the Unix socket in that folder.
    public var socketDirectory: String?

    /// The defaults: TLS preferred, 10 connections, 5 s to connect.
    public init() {}

    /// The parameters a URL may carry.
    static let parameters: Set<String> = [
        "sslmode", "sslrootcert", "sslcert", "sslkey", "application_name", "connect_timeout", "pool_size", "max_connections",
        "statement_timeout", "host", "port",
    ]

    /// The options of `items` (a URL's query), with `environment`'s `PGSSLMODE` where the URL
    /// sets no `sslmode`; throws naming the parameter that is unknown or malformed.
    init(_ items: [URLQueryItem], environment: [String: String], url: String) throws(DatabaseURLError) {
        func fail(_ reason: String) -> DatabaseURLError { DatabaseURLError(url: url, reason: reason) }
        var seen: Set<String> = []
        if let mode = environment["PGSSLMODE"] {
            guard let parsed = SSLMode(rawValue: mode) else { throw fail("has PGSSLMODE=\(mode), \(Self.modeChoices)") }
            sslMode = parsed
        }
        for item in items {
            guard Self.parameters.contains(item.name) else {
                throw fail("has an unknown parameter '\(item.name)'; known: \(Self.parameters.sorted().joined(separator: ", "))")
            }
            guard seen.insert(item.name).inserted else { throw fail("gives '\(item.name)' twice") }
            guard let value = item.value, !value.isEmpty else { throw fail("gives '\(item.name)' no value") }
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else { throw fail("has sslmode=\(value), \(Self.modeChoices)") }
                sslMode = mode
            case "sslrootcert": rootCertificate = value
            case "sslcert": clientCertificate = value
            case "sslkey": clientKey = value
            case "application_name": applicationName = value
            case "connect_timeout":
                // libpq's unit: whole seconds.
                guard let seconds = Int(value), (1...3600).contains(seconds) else {
                    throw fail("has connect_timeout=\(value); write whole seconds from 1 to 3600")
                }
                connectTimeout = .seconds(seconds)
            case "pool_size", "max_connections":
                guard let size = Int(value), (1...1000).contains(size) else {
                    throw fail("has \(item.name)=\(value); write a number of connections from 1 to 1000")
                }
                poolSize = size
            case "statement_timeout":
                statementTimeout = try Self.milliseconds(value, fail)
            case "port":
                // Read by ``DatabaseURL``, as libpq reads it beside a socket folder.
                guard Int(value).map({ (1...65535).contains($0) }) == true else { throw fail("has port=\(value)") }
            default:
                guard value.hasPrefix("/") else {
                    throw fail("has host=\(value); write the folder of a Unix socket, such as /var/run/postgresql")
                }
                socketDirectory = value
            }
        }
        if (clientCertificate == nil) != (clientKey == nil) { throw fail("needs sslcert and sslkey together") }
    }

    private static var modeChoices: String { "expected one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))" }

    /// A duration as PostgreSQL writes one: a plain number of milliseconds, or with a unit (`30s`).
    private static func milliseconds(_ text: String, _ fail: (String) -> DatabaseURLError) throws(DatabaseURLError) -> Duration {
        if let milliseconds = Int(text), milliseconds > 0 { return .milliseconds(milliseconds) }
        guard let seconds = try? DurationText.seconds(text), seconds > 0 else {
            throw fail("has statement_timeout=\(text); write milliseconds or a duration such as 30s")
        }
        return .seconds(seconds)
    }

    /// The query that gives these options back (empty for the defaults), for URLs built from a parsed one.
    var query: [URLQueryItem] {
        var items: [URLQueryItem] = []
        if sslMode != .prefer { items.append(URLQueryItem(name: "sslmode", value: sslMode.rawValue)) }
        if let rootCertificate { items.append(URLQueryItem(name: "sslrootcert", value: rootCertificate)) }
        if let clientCertificate { items.append(URLQueryItem(name: "sslcert", value: clientCertificate)) }
        if let clientKey { items.append(URLQueryItem(name: "sslkey", value: clientKey)) }
        if applicationName != "nightshift" { items.append(URLQueryItem(name: "application_name", value: applicationName)) }
        if connectTimeout != .seconds(5) {
            items.append(URLQueryItem(name: "connect_timeout", value: "\(connectTimeout.components.seconds)"))
        }
        if poolSize != 10 { items.append(URLQueryItem(name: "pool_size", value: "\(poolSize)")) }
        if let statementTimeout {
            items.append(URLQueryItem(name: "statement_timeout", value: "\(Int(statementTimeout.inSeconds * 1000))"))
        }
        if let socketDirectory { items.append(URLQueryItem(name: "host", value: socketDirectory)) }
        return items
    }
}
