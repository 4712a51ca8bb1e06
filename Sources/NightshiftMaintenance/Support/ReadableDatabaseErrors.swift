import PostgresNIO

/// PostgresNIO hides the server's message from an error's description (so that it cannot leak
/// into logs by accident); a job's users need it to fix their SQL, so jobs pass it on.
func withReadableDatabaseErrors<R>(_ body: () async throws -> R) async throws -> R {
    do {
        return try await body()
    } catch let error as PSQLError {
        guard let info = error.serverInfo, let message = info[.message] else { throw error }
        var text = "PostgreSQL: \(message)"
        if let detail = info[.detail] { text += " (\(detail))" }
        if let hint = info[.hint] { text += "; hint: \(hint)" }
        throw MaintenanceError.database(text)
    }
}
