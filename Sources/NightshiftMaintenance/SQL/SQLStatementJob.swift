import Foundation
import Nightshift
import NightshiftSQL
import SQLKit

/// The `sql` job kind: one statement against a named database.
///
/// Details are the first row's columns when the statement returns rows (`SELECT
/// cleanup_old_logs()` gives `cleanup_old_logs=25000`), otherwise `rowsAffected`. A dry run
/// executes the statement inside a transaction that is rolled back, so it reports what would
/// change and changes nothing.
public struct SQLStatementJob: Sendable {
    /// The database's name in the config.
    public let database: String
    /// The statement.
    public let sql: String

    /// A job that runs `sql` on `database`.
    public init(database: String, sql: String) {
        self.database = database
        self.sql = sql
    }

    /// The work, for ``Job/init(name:schedule:description:enabled:kind:policies:body:)``.
    public func body(registry: DatabaseRegistry) -> Job.Body {
        let statement = sql
        let databaseName = database
        return { context in
            let pool = try await registry.pool(named: databaseName)
            let output = try await withReadableDatabaseErrors { try await pool.executeStatement(statement, rollback: context.isDryRun) }
            var details = output.rows.first?.jsonObject ?? JSONObject()
            if output.rows.isEmpty { details["rowsAffected"] = .number(Double(output.rowsAffected)) }
            if context.isDryRun { details["dryRun"] = true }
            return details
        }
    }
}
