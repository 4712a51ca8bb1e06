import PostgresNIO
import SQLKit

/// A statement runner that returns how many rows a statement changed, without fetching them.
public typealias CountingExecutor = (SQLQueryString) async throws -> Int

extension SQLConnectionPool {
    /// Runs `body` in a transaction, with a database for queries and an executor that returns the
    /// number of rows a statement changed: PostgreSQL's command tag (`DELETE 10000`), SQLite's
    /// `changes()`. Counting by `RETURNING` would ship and decode a row per changed row.
    public func withCountingTransaction<R: Sendable>(_ body: (any SQLDatabase, CountingExecutor) async throws -> R) async throws
        -> R
    {
        switch backend {
        case .postgres(let client, _):
            return try await Self.postgresTransaction(client, logger: logger) { connection in
                let database = connection.sql(queryLogLevel: .trace)
                return try await body(database) { statement in
                    let query = try Self.postgresQuery(statement, database: database)
                    return try await connection.query(query, logger: self.logger).get().metadata.rows ?? 0
                }
            }
        case .sqlite:
            return try await withTransaction { database in
                try await body(database) { statement in
                    try await database.raw(statement).run()
                    return try await database.raw("SELECT changes() AS n").first()?.decode(column: "n", as: Int.self) ?? 0
                }
            }
        }
    }
}

extension SQLConnectionPool {
    /// `statement` with SQLKit's placeholders and binds, as a PostgresNIO query.
    static func postgresQuery(_ statement: SQLQueryString, database: any SQLDatabase) throws -> PostgresQuery {
        var serializer = SQLSerializer(database: database)
        statement.serialize(to: &serializer)
        var bindings = PostgresBindings()
        for value in serializer.binds {
            guard let encodable = value as? any PostgresThrowingDynamicTypeEncodable else {
                throw SQLStatementError.unsupportedBind(String(describing: type(of: value)))
            }
            try bindings.append(encodable)
        }
        return PostgresQuery(unsafeSQL: serializer.sql, binds: bindings)
    }

    /// Runs `query` on PostgreSQL and returns PostgresNIO's own rows, for hot paths that bind
    /// and decode by position with static types instead of through SQLKit's dynamic ones.
    package func postgresRows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        guard case .postgres(let client, _) = backend else { preconditionFailure("postgresRows is for PostgreSQL only") }
        return try await withReadableDatabaseErrors {
            try await client.withConnection { connection in try await connection.query(query, logger: self.logger).get().rows }
        }
    }
}
