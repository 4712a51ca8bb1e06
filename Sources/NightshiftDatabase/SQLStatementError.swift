/// A statement that could not be sent or whose answer was not what it must be, apart from the
/// database's own errors (``DatabaseError``).
public enum SQLStatementError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A statement that always returns a row returned none.
    case missingRow(String)
    /// A statement bound a value of a type PostgreSQL cannot take.
    case unsupportedBind(String)

    public var description: String {
        switch self {
        case .missingRow(let what): return "the database returned no row for \(what)"
        case .unsupportedBind(let type): return "cannot send a value of type \(type) to PostgreSQL"
        }
    }
}
