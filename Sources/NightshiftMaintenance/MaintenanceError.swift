/// Why a built-in job could not do its work, in words a user can act on.
public enum MaintenanceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A job names a database the config's `databases:` does not define.
    case unknownDatabase(String, known: [String])
    /// A command could not be started.
    case commandNotStarted(String, reason: String)
    /// A command exited with a non-zero status.
    case commandFailed(status: Int32, lastLine: String)
    /// A command was ended by a signal.
    case commandKilled(signal: Int32)

    public var description: String {
        switch self {
        case .unknownDatabase(let name, let known):
            return
                "no database named '\(name)' in the config's databases: (known: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
        case .commandNotStarted(let command, let reason):
            return "could not start '\(command)': \(reason)"
        case .commandFailed(let status, let lastLine):
            return "exited with status \(status)" + (lastLine.isEmpty ? "" : ": \(lastLine)")
        case .commandKilled(let signal):
            return "killed by signal \(signal)"
        }
    }
}
