/// A column of a `nightshift_runs` row that could not be read: missing, of another type, or
/// holding text that is not what the column keeps (JSON that does not parse, an unknown status).
struct UnreadableColumn: Error, CustomStringConvertible {
    /// The column's name.
    let column: String
    /// What is wrong with its value.
    let reason: String

    var description: String { "column \(column): \(reason)" }
}
