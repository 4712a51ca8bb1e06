/// Why a built-in job could not do its work, in words a user can act on.
public enum MaintenanceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A job names a database the config's `databases:` does not define.
    case unknownDatabase(String, known: [String])
    /// A job names a Redis server the config's `redis:` does not define.
    case unknownRedis(String, known: [String])
    /// A command could not be started.
    case commandNotStarted(String, reason: String)
    /// A command exited with a non-zero status.
    case commandFailed(status: Int32, lastLine: String)
    /// A command was ended by a signal.
    case commandKilled(signal: Int32)
    /// A table or column name is not a plain SQL identifier.
    case invalidName(String)
    /// The table does not exist in the database.
    case missingTable(String, database: String)
    /// The table has no such column.
    case missingColumn(String, table: String, known: [String])
    /// An archive file could not be written; nothing was deleted for it.
    case archiveFailed(path: String, reason: String)
    /// The job's settings cannot work on this database.
    case unsupported(String)

    public var description: String {
        switch self {
        case .unknownDatabase(let name, let known):
            return "no database named '\(name)' in the config's databases: (known: \(Self.list(known)))"
        case .unknownRedis(let name, let known):
            return "no Redis server named '\(name)' in the config's redis: (known: \(Self.list(known)))"
        case .commandNotStarted(let command, let reason):
            return "could not start '\(command)': \(reason)"
        case .commandFailed(let status, let lastLine):
            return "exited with status \(status)" + (lastLine.isEmpty ? "" : ": \(lastLine)")
        case .commandKilled(let signal):
            return "killed by signal \(signal)"
        case .invalidName(let name):
            return
                "'\(name)' is not a valid table or column name (letters, digits and _, not starting with a digit; tables may be schema.table)"
        case .missingTable(let table, let database):
            return "table '\(table)' does not exist in database '\(database)'"
        case .missingColumn(let column, let table, let known):
            return "table '\(table)' has no column '\(column)' (columns: \(Self.list(known)))"
        case .archiveFailed(let path, let reason):
            return "could not write the archive \(path): \(reason); no rows were deleted for it"
        case .unsupported(let reason):
            return reason
        }
    }

    private static func list(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: ", ") }
}
