/// Errors of the SQL store that are not the database's own.
public enum SQLStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A row in a Nightshift table does not have the expected shape.
    case malformedRow(String)
    /// The schema is older than this build; run `nightshift migrate`.
    case notMigrated(applied: Int, required: Int)

    public var description: String {
        switch self {
        case .malformedRow(let what): return "unexpected data in a nightshift table: \(what)"
        case .notMigrated(let applied, let required):
            return "the store's schema is at version \(applied) but this build needs \(required); run 'nightshift migrate'"
        }
    }
}
