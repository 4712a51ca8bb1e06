/// A cron expression that could not be parsed, with the field and the reason.
///
/// The message reads like `minute field: 61 is out of range 0-59`, so it can be shown to the
/// person who wrote the expression as it is.
public struct CronError: BadInput, Equatable, Sendable {
    /// The field that is wrong (`minute`, `hour`, …), or `expression` for the whole string.
    public let field: String
    /// What is wrong with it.
    public let reason: String

    /// Creates an error for `field` with a reason a user can act on.
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String {
        field == "expression" ? reason : "\(field) field: \(reason)"
    }
}
