import Foundation
import Nightshift

/// Where a database is: `postgres://user:password@host:port/name?sslmode=require` (or
/// `postgresql://`, with libpq's parameters, see ``PostgresOptions``; `postgres:///name?host=/var/run/postgresql`
/// for a Unix socket), or `sqlite:path` (`sqlite:./nightshift.db`, `sqlite:///var/lib/nightshift.db`,
/// `sqlite::memory:`).
public enum DatabaseURL: Equatable, Sendable, CustomStringConvertible {
    /// A PostgreSQL server.
    case postgres(host: String, port: Int, user: String, password: String?, database: String?, options: PostgresOptions)
    /// An SQLite file, or `:memory:`.
    case sqlite(path: String)

    /// Parses `text`; `PGPASSWORD` and `PGSSLMODE` in `environment` stand in for a password and
    /// an `sslmode` the URL does not give, as with libpq. Throws ``DatabaseURLError`` saying
    /// what is wrong.
    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(DatabaseURLError) {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw DatabaseURLError(url: text, reason: "names no file; write sqlite:./nightshift.db") }
            self = .sqlite(path: path)
            return
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw DatabaseURLError(url: text, reason: "is neither postgres://user@host/db nor sqlite:path")
        }
        let options = try PostgresOptions(components.queryItems ?? [], environment: environment, url: text)
        let host = components.host ?? ""
        guard !host.isEmpty || options.socketDirectory != nil else {
            throw DatabaseURLError(url: text, reason: "has no host (write ?host=/var/run/postgresql for a Unix socket)")
        }
        let name = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let portParameter = components.queryItems?.first { $0.name == "port" }?.value.flatMap { Int($0) }
        self = .postgres(
            host: host.isEmpty ? "localhost" : host, port: portParameter ?? components.port ?? 5432,
            user: components.user ?? "postgres",
            password: components.password ?? environment["PGPASSWORD"], database: name.isEmpty ? nil : name,
            options: options)
    }

    /// The URL with the password masked, for logs and messages.
    public var description: String { text(maskingPassword: true) }

    /// The URL as text, the password in it unless `maskingPassword`; the database name replaced
    /// by `database` when given.
    package func text(maskingPassword: Bool, database replacement: String? = nil) -> String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let host, let port, let user, let password, let database, let options):
            var components = URLComponents()
            components.scheme = "postgres"
            components.user = user
            components.password = password.map { maskingPassword ? "***" : $0 }
            components.host = host
            components.port = port
            components.path = "/" + (replacement ?? database ?? "")
            let query = options.query
            components.queryItems = query.isEmpty ? nil : query
            return components.string ?? "postgres://\(user)@\(host):\(port)"
        }
    }
}

/// A database URL that could not be read.
public struct DatabaseURLError: BadInput, Equatable, Sendable {
    /// The URL as given (a password in it is masked in ``description``).
    public let url: String
    /// What is wrong.
    public let reason: String
    public var description: String {
        "database URL '\(URLPasswordMask.mask(url))' \(reason)"
    }
}
