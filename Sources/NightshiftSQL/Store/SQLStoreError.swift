/// Errors of the SQL store that are not the database's own.
public enum SQLStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A row in a Nightshift table does not have the expected shape.
    case malformedRow(String)
    /// Text that the store cannot keep, and where it is.
    case unstorableText(String)
    /// The store's schema is behind this build; says what to run.
    case notMigrated(String)

    public var description: String {
        switch self {
        case .malformedRow(let what): return "unexpected data in a nightshift table: \(what)"
        case .unstorableText(let what): return "cannot store \(what)"
        case .notMigrated(let reason): return reason
        }
    }
}
