/// Errors of the SQL store that are not the database's own.
public enum SQLStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A row in a Nightshift table does not have the expected shape.
    case malformedRow(String)
    /// Text that the store cannot keep, and where it is.
    case unstorableText(String)
    /// The store's schema is behind this build; says what to run.
    case notMigrated(String)
    /// A command that only reads found no SQLite store at this path (and created none).
    case missingStore(path: String)

    public var description: String {
        switch self {
        case .malformedRow(let what): return "unexpected data in a nightshift table: \(what)"
        case .unstorableText(let what): return "cannot store \(what)"
        case .notMigrated(let reason): return reason
        case .missingStore(let path):
            return
                "no store at \(path): `nightshift serve` or `nightshift migrate` creates it; is --config the file you meant? (a relative sqlite: path is read from the config file's folder)"
        }
    }
}
