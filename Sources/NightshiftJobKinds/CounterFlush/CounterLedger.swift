import Foundation
import SQLKit

/// The pending Redis keys whose counts are already in the table, kept in the application
/// database (`nightshift_counter_ledger`) and written in the same transaction as the counts:
/// it is what makes a moved counter count exactly once across crashes.
enum CounterLedger {
    static func ensureTable(_ db: any SQLDatabase) async throws {
        try await db.raw(
            "CREATE TABLE IF NOT EXISTS nightshift_counter_ledger (pending_key TEXT PRIMARY KEY, flushed_epoch DOUBLE PRECISION NOT NULL)"
        ).run()
    }

    /// Records `keys` and returns those that were not recorded before: the ones whose counts
    /// this transaction must add.
    static func claim(_ keys: [String], on db: any SQLDatabase) async throws -> Set<String> {
        let now = Date().timeIntervalSince1970
        let tuples: [SQLQueryString] = keys.map { "(\(bind: $0), \(bind: now))" }
        return Set(
            try await db.raw(
                "INSERT INTO nightshift_counter_ledger (pending_key, flushed_epoch) VALUES " + tuples.joined(separator: ", ")
                    + " ON CONFLICT (pending_key) DO NOTHING RETURNING pending_key"
            ).all().map { try $0.decode(column: "pending_key", as: String.self) })
    }

    /// Forgets `keys` once they are deleted from Redis.
    static func release(_ keys: [String], on db: any SQLDatabase) async throws {
        try await db.raw("DELETE FROM nightshift_counter_ledger WHERE pending_key IN (\(binds: keys))").run()
    }
}
