import Foundation
import Logging
import PostgresKit
import PostgresNIO
import SQLKit

extension SQLConnectionPool {
    /// What one statement of user SQL returned.
    public struct StatementOutput: Sendable {
        /// The rows it returned.
        public var rows: [any SQLRow]
        /// How many rows it inserted, updated or deleted, as the database reports it.
        public var rowsAffected: Int
    }

    /// Raised only to roll back a dry run's transaction.
    private struct RollbackAfterward: Error {
        let output: StatementOutput
    }

    /// Runs one statement of SQL written by a user (no binds). With `rollback`, it runs inside a
    /// transaction that is rolled back afterwards: a dry run that reports and changes nothing.
    ///
    /// With `timeout` (seconds), PostgreSQL itself cancels the statement once it has run that
    /// long (`statement_timeout`): a job stopped at its timeout no longer leaves its statement
    /// running on the server while its retries start more. SQLite runs the statement in this
    /// process and has no such bound.
    public func executeStatement(_ sql: String, rollback: Bool, timeout: Double? = nil) async throws -> StatementOutput {
        do {
            switch backend {
            case .postgres(let client, _):
                // The command tag (`DELETE 25000`) carries the count, which SQLKit does not expose.
                let run = { (connection: PostgresConnection) async throws -> StatementOutput in
                    if let timeout {
                        let milliseconds = max(1, Int(min(timeout, 2_000_000) * 1000))
                        _ = try await connection.query(
                            PostgresQuery(unsafeSQL: "SET statement_timeout = \(milliseconds)"), logger: self.logger
                        ).get()
                    }
                    let result: PostgresQueryResult
                    do {
                        result = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: self.logger).get()
                    } catch {
                        if timeout != nil { try? await Self.resetStatementTimeout(connection, logger: self.logger) }
                        throw error
                    }
                    if timeout != nil { try await Self.resetStatementTimeout(connection, logger: self.logger) }
                    let output = StatementOutput(rows: result.rows.map { $0.sql() }, rowsAffected: result.metadata.rows ?? 0)
                    if rollback { throw RollbackAfterward(output: output) }
                    return output
                }
                return rollback
                    ? try await Self.postgresTransaction(client, logger: logger) { try await run($0) }
                    : try await client.withConnection { try await run($0) }
            case .sqlite:
                let run = { (database: any SQLDatabase) async throws -> StatementOutput in
                    let rows = try await database.raw(SQLQueryString(sql)).all()
                    let changes = try await database.raw("SELECT changes() AS changes").first()?
                        .decode(column: "changes", as: Int.self)
                    let output = StatementOutput(rows: rows, rowsAffected: changes ?? 0)
                    if rollback { throw RollbackAfterward(output: output) }
                    return output
                }
                return rollback ? try await withTransaction(run) : try await withDatabase(run)
            }
        } catch let rolledBack as RollbackAfterward {
            return rolledBack.output
        } catch {
            throw DatabaseError(error) ?? error
        }
    }

    /// Puts the pooled connection's statement timeout back to the server's default. A failed
    /// statement inside a dry run's transaction leaves it aborted; its rollback resets it then.
    private static func resetStatementTimeout(_ connection: PostgresConnection, logger: Logger) async throws {
        _ = try await connection.query(PostgresQuery(unsafeSQL: "RESET statement_timeout"), logger: logger).get()
    }
}
