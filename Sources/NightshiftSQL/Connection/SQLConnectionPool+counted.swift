import PostgresNIO
import SQLKit

/// A statement runner that returns how many rows a statement changed, without fetching them.
public typealias CountingExecutor = (SQLQueryString) async throws -> Int

extension SQLConnectionPool {
    /// Runs `body` in a transaction, with a database for queries and an executor that returns the
    /// number of rows a statement changed: PostgreSQL's command tag (`DELETE 10000`), SQLite's
    /// `changes()`. Counting by `RETURNING` would ship and decode a row per changed row.
    public func withCountingTransaction<R: Sendable>(_ body: (any SQLDatabase, CountingExecutor) async throws -> R) async throws -> R {
        switch backend {
        case .postgres(let client, _):
            return try await Self.postgresTransaction(client, logger: logger) { connection in
                let database = connection.sql(queryLogLevel: .trace)
                return try await body(database) { statement in
                    var serializer = SQLSerializer(database: database)
                    statement.serialize(to: &serializer)
                    var bindings = PostgresBindings()
                    for value in serializer.binds {
                        guard let encodable = value as? any PostgresThrowingDynamicTypeEncodable else {
                            throw SQLStoreError.unsupportedBind(String(describing: type(of: value)))
                        }
                        try bindings.append(encodable)
                    }
                    let result = try await connection.query(PostgresQuery(unsafeSQL: serializer.sql, binds: bindings), logger: self.logger).get()
                    return result.metadata.rows ?? 0
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
