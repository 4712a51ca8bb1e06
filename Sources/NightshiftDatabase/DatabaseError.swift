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
        return error.underlying.map { "\(error.code): \($0)" } ?? "\(error.code)"
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
