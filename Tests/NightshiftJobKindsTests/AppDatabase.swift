import Foundation
import Logging
import NightshiftDatabase
import NightshiftJobKinds
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import SQLKit

/// A throwaway application database for a maintenance job to act on, named `app` in its registry.
struct AppDatabase {
    let kind: TestStoreKind
    let url: String
    let pool: SQLConnectionPool
    let registry: DatabaseRegistry

    /// Runs `body` with a fresh database of `kind`, removed afterwards.
    static func with<R>(_ kind: TestStoreKind, _ body: (AppDatabase) async throws -> R) async throws -> R {
        try await withTestStore(kind) { test in
            let logger = Logger(label: "maintenance-test")
            let pool = try await SQLConnectionPool.open(try DatabaseURL(test.url), logger: logger)
            let registry = DatabaseRegistry(urls: ["app": test.url], logger: logger)
            do {
                let result = try await body(AppDatabase(kind: kind, url: test.url, pool: pool, registry: registry))
                await registry.closeAll()
                await pool.close()
                return result
            } catch {
                await registry.closeAll()
                await pool.close()
                throw error
            }
        }
    }

    /// The column type for a point in time.
    var timeType: String { kind == .postgres ? "timestamptz" : "TEXT" }

    /// `date` as a value for a column of ``timeType``: a timestamp on PostgreSQL, SQLite's
    /// `YYYY-MM-DD HH:MM:SS` text in UTC on SQLite.
    func time(_ date: Date) -> any Encodable & Sendable {
        guard kind == .sqlite else { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// Runs one statement.
    func execute(_ sql: SQLQueryString) async throws {
        try await pool.withDatabase { try await $0.raw(sql).run() }
    }

    /// The first column of the first row as a whole number.
    func integer(_ sql: SQLQueryString) async throws -> Int {
        try await pool.withDatabase { try await $0.raw(sql).first()?.decode(column: "n", as: Int?.self) } ?? 0
    }
}
