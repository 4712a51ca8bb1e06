import Foundation
import Nightshift

/// Where a database is: `postgres://user:password@host:port/name` (or `postgresql://`), or
/// `sqlite:path` (`sqlite:./nightshift.db`, `sqlite:///var/lib/nightshift.db`, `sqlite::memory:`).
public enum DatabaseURL: Equatable, Sendable, CustomStringConvertible {
    /// A PostgreSQL server.
    case postgres(host: String, port: Int, user: String, password: String?, database: String?)
    /// An SQLite file, or `:memory:`.
    case sqlite(path: String)

    /// Parses `text`; throws ``DatabaseURLError`` saying what is wrong.
    public init(_ text: String) throws(DatabaseURLError) {
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
        guard let host = components.host, !host.isEmpty else {
            throw DatabaseURLError(url: text, reason: "has no host")
        }
        let name = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self = .postgres(
            host: host, port: components.port ?? 5432, user: components.user ?? "postgres",
            password: components.password, database: name.isEmpty ? nil : name)
    }

    /// The URL with the password masked, for logs and messages.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let host, let port, let user, let password, let database):
            return "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database ?? "")"
        }
    }
}

/// A database URL that could not be read.
public struct DatabaseURLError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The URL as given (a password in it is masked in ``description``).
    public let url: String
    /// What is wrong.
    public let reason: String
    public var description: String {
        "database URL '\(URLPasswordMask.mask(url))' \(reason)"
    }
}
