import PostgresNIO

/// A PostgreSQL error as a person can act on it: the server's message, detail and hint, or why
/// the connection failed.
///
/// PostgresNIO hides all of that from an error's `description` (so that a query's values
/// cannot leak into logs by accident), which left logs and the CLI with "PSQLError – Generic
/// description"; this keeps the reasons and still leaves out the query and its values.
public struct DatabaseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, naming PostgreSQL.
    public let description: String

    /// The readable form of `error` when it is PostgresNIO's; nil for any other error.
    public init?(_ error: any Error) {
        guard let reason = Self.reason(error) else { return nil }
        description = "PostgreSQL: \(reason)"
    }

    /// An SQLite file that cannot be opened, and why.
    init(sqliteFile path: String, reason: String) {
        description = "cannot open the SQLite file \(path): \(reason)"
    }

    /// A failure to reach the server at all, or its refusal of the user or database; TLS
    /// failures say which, under `sslMode`.
    init(connectingTo address: String, sslMode: PostgresOptions.SSLMode, _ error: any Error) {
        let reason = Self.reason(error) ?? "\(error)"
        description = "cannot connect to PostgreSQL at \(address): \(Self.tlsReason(error, reason, sslMode: sslMode) ?? reason)"
    }

    /// What went wrong with TLS, in words, when that is what went wrong.
    private static func tlsReason(_ error: any Error, _ reason: String, sslMode: PostgresOptions.SSLMode) -> String? {
        if let error = error as? PSQLError, error.code == .sslUnsupported {
            return "the server does not offer TLS, and sslmode=\(sslMode.rawValue) requires it"
        }
        if reason.contains("no encryption") {
            return "\(reason); the server accepts only TLS connections here: set sslmode=require, or verify-full with sslrootcert"
        }
        let text = "\(reason) \(String(reflecting: error))".lowercased()
        if text.contains("hostname") {
            return "TLS: the server's certificate does not name this host (sslmode=verify-full checks it)"
        }
        if text.contains("certificate has expired") || text.contains("certificate_expired") {
            return "TLS: the server's certificate has expired"
        }
        if text.contains("certificate_verify_failed") || text.contains("certificate verify failed")
            || text.contains("self signed") || text.contains("unable to get local issuer")
        {
            return "TLS: the server's certificate is not signed by a trusted CA (sslrootcert, or the system's CAs)"
        }
        if text.contains("handshake") || text.contains("niosslerror") {
            return "the TLS handshake failed: \(reason)"
        }
        return nil
    }

    /// The server's message, detail and hint, or the connection's failure.
    private static func reason(_ error: any Error) -> String? {
        guard let error = error as? PSQLError else { return nil }
        if let info = error.serverInfo, let message = info[.message] {
            var text = message
            if let detail = info[.detail] { text += " (\(detail))" }
            if let hint = info[.hint] { text += "; hint: \(hint)" }
            return text
        }
        guard let underlying = error.underlying else { return "\(error.code)" }
        return connectionReason(underlying) ?? "\(error.code): \(underlying)"
    }

    /// Why a connection failed, in words, for the failures people meet: nothing listening, no
    /// answer, a name that does not resolve, no route. PostgresNIO reports them as nested
    /// connection errors whose text names its internal types.
    private static func connectionReason(_ error: any Error) -> String? {
        let text = String(reflecting: error).lowercased()
        if text.contains("connection refused") {
            return "connection refused: nothing listens there (is PostgreSQL running, on that host and port?)"
        }
        if text.contains("connecttimeout") || text.contains("timed out") || text.contains("timeout") {
            return
                "no answer within the connect timeout (connect_timeout= in the URL): is the host reachable, or a firewall in the way?"
        }
        if text.contains("nxdomain") || text.contains("unknownhost") || text.contains("name or service not known")
            || text.contains("no address") || text.contains("resolution")
        {
            return "the host name does not resolve (a typo in the URL, or no DNS here?)"
        }
        if text.contains("network is unreachable") || text.contains("no route to host") {
            return "no route to the host (network unreachable from here)"
        }
        if text.contains("connection reset") {
            return "the server closed the connection at once (a server going down, or a proxy in the way)"
        }
        return nil
    }
}

/// Runs `body`, turning PostgresNIO's errors into ``DatabaseError``s; other errors pass as
/// they are.
public func withReadableDatabaseErrors<R>(_ body: () async throws -> R) async throws -> R {
    do {
        return try await body()
    } catch {
        throw DatabaseError(error) ?? error
    }
}
