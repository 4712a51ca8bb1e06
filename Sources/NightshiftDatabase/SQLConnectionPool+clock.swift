import Foundation
import SQLKit

extension SQLConnectionPool {
    /// The database's current time: the clock that its rows' times were written by, and the
    /// one every instance shares (a host whose clock is off purges and rolls up by the wrong
    /// cutoff otherwise).
    public func databaseNow() async throws -> Date {
        try await withDatabase { database in
            guard let row = try await database.raw("SELECT \(unsafeRaw: dialect.now) AS now").first() else {
                throw SQLStatementError.missingRow("the clock query")
            }
            return try row.decode(column: "now", as: Date.self)
        }
    }
}
