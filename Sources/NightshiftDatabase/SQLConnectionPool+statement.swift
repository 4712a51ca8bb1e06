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
    /// With `timeout`, PostgreSQL itself cancels the statement once it has run that
    /// long (`statement_timeout`): a job stopped at its timeout no longer leaves its statement
    /// running on the server while its retries start more. SQLite runs the statement in this
    /// process and has no such bound.
    ///
    /// `values` are bound to the statement's ``bindMarker(_:)``s (marker 1 is the first value),
    /// each as text: user SQL written around them needs no quoting of the values.
    public func executeStatement(
        _ sql: String, binding values: [String] = [], rollback: Bool, timeout: Duration? = nil
    ) async throws -> StatementOutput {
        do {
            switch backend {
            case .postgres(let client, _):
                let sql = Self.pieces(of: sql).map { piece in piece.bind.map { "$\($0)" } ?? piece.text }.joined()
                var binds = PostgresBindings(capacity: values.count)
                for value in values { binds.append(value) }
                // The command tag (`DELETE 25000`) carries the count, which SQLKit does not expose.
                let run = { (connection: PostgresConnection) async throws -> StatementOutput in
                    if let timeout {
                        let milliseconds = max(1, Int(min(timeout.inSeconds, 2_000_000) * 1000))
                        _ = try await connection.query(
                            PostgresQuery(unsafeSQL: "SET statement_timeout = \(milliseconds)"), logger: self.logger
                        ).get()
                    }
                    let result: PostgresQueryResult
                    do {
                        result = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: self.logger)
                            .get()
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
                // SQLite's placeholders are positional: each marker gets a bind of its own.
                var statement = SQLQueryString("")
                for piece in Self.pieces(of: sql) {
                    if let number = piece.bind, values.indices.contains(number - 1) {
                        statement.appendInterpolation(bind: values[number - 1])
                    } else {
                        statement.appendLiteral(piece.text)
                    }
                }
                let run = { [statement] (database: any SQLDatabase) async throws -> StatementOutput in
                    let rows = try await database.raw(statement).all()
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

    /// Where value `number` (from 1) of ``executeStatement(_:binding:rollback:timeout:)`` goes
    /// in the statement's text: a marker no SQL contains, replaced by the database's own
    /// placeholder (`$1` on PostgreSQL, `?1` on SQLite).
    public static func bindMarker(_ number: Int) -> String { "\u{1}\(number)\u{1}" }

    /// The statement's text cut at its bind markers: each piece is text, or the number of the
    /// value bound there (with the marker as its text).
    private static func pieces(of sql: String) -> [(text: String, bind: Int?)] {
        var pieces: [(text: String, bind: Int?)] = []
        var rest = Substring(sql)
        while let start = rest.firstIndex(of: "\u{1}"), let end = rest[rest.index(after: start)...].firstIndex(of: "\u{1}"),
            let number = Int(rest[rest.index(after: start)..<end])
        {
            pieces.append((String(rest[..<start]), nil))
            pieces.append((String(rest[start...end]), number))
            rest = rest[rest.index(after: end)...]
        }
        pieces.append((String(rest), nil))
        return pieces
    }
}
