import Foundation
import PostgresNIO
import SQLKit

extension SQLConnectionPool {
    /// Runs `body` while holding the lock `name`, waiting (checking every `pollInterval`) while
    /// another holds it; throws `CancellationError` when cancelled while waiting.
    ///
    /// On PostgreSQL it is a session advisory lock on a connection of its own, so it is shared
    /// by every process using the database and goes with its holder: a holder killed mid-way
    /// loses its connection, and the server frees the lock at once. On SQLite it is held in this
    /// process only (one process writes an SQLite file at a time anyway).
    public func withExclusiveLock<R: Sendable>(
        named name: String, pollInterval: Duration = .milliseconds(200), _ body: () async throws -> R
    ) async throws -> R {
        switch backend {
        case .postgres(let client, _):
            return try await withReadableDatabaseErrors {
                try await client.withConnection { connection in
                    let key = "nightshift:" + name
                    while try await !Self.tryAdvisoryLock(key, on: connection, logger: logger) {
                        try await Task.sleep(for: pollInterval)
                    }
                    do {
                        let result = try await body()
                        try await Self.advisoryUnlock(key, on: connection, logger: logger)
                        return result
                    } catch {
                        try? await Self.advisoryUnlock(key, on: connection, logger: logger)
                        throw error
                    }
                }
            }
        case .sqlite:
            let lock = namedLocks.withLock { locks in
                if let lock = locks[name] { return lock }
                let lock = AsyncLock()
                locks[name] = lock
                return lock
            }
            return try await lock.withLock(body)
        }
    }

    private static func tryAdvisoryLock(_ key: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("SELECT pg_try_advisory_lock(hashtext(\(key))) AS taken", logger: logger)
        for try await taken in rows.decode(Bool.self) { return taken }
        return false
    }

    private static func advisoryUnlock(_ key: String, on connection: PostgresConnection, logger: Logger) async throws {
        _ = try await connection.query("SELECT pg_advisory_unlock(hashtext(\(key)))", logger: logger)
    }
}
