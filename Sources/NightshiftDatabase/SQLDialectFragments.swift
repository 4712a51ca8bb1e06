import SQLKit

/// The few places where PostgreSQL and SQLite need different SQL, in one place.
public struct SQLDialectFragments: Sendable {
    /// Which database this is.
    public enum Flavor: String, Sendable { case postgres, sqlite }

    public let flavor: Flavor
    /// The database clock: `now()`, or the Unix time in seconds on SQLite (timestamps are
    /// stored as REAL seconds there, as SQLiteNIO binds `Date`).
    public let now: String
    /// Appended to a bound number of seconds to make it an interval: `(now + ? * unit)`.
    public let secondsUnit: String
    /// The column type of instants.
    public let timestampType: String
    /// The column type of booleans.
    public let booleanType: String

    /// The fragments for the database behind `database` (PostgreSQL, else SQLite).
    public init(for database: any SQLDatabase) {
        self = database.dialect.name == "sqlite" ? .sqlite : .postgres
    }

    private init(flavor: Flavor, now: String, secondsUnit: String, timestampType: String, booleanType: String) {
        self.flavor = flavor
        self.now = now
        self.secondsUnit = secondsUnit
        self.timestampType = timestampType
        self.booleanType = booleanType
    }

    package static let postgres = SQLDialectFragments(
        flavor: .postgres, now: "now()", secondsUnit: " * interval '1 second'", timestampType: "timestamptz",
        booleanType: "boolean")
    package static let sqlite = SQLDialectFragments(
        flavor: .sqlite, now: "((julianday('now') - 2440587.5) * 86400.0)", secondsUnit: "",
        timestampType: "REAL", booleanType: "INTEGER")
}
