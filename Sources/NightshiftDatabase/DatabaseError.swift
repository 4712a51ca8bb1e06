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

    /// A failure to reach the server at all, or its refusal of the user or database.
    init(connectingTo address: String, _ error: any Error) {
        description = "cannot connect to PostgreSQL at \(address): \(Self.reason(error) ?? "\(error)")"
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
