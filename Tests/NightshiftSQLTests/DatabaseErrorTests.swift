import NightshiftDatabase
import Foundation
import Logging
import NightshiftSQL
import NightshiftTesting
import SQLKit
import Testing

@Suite struct DatabaseErrorTests {
    @Test(
        "a statement PostgreSQL refuses fails with its message, not PostgresNIO's generic text",
        .requiresPostgres)
    func serverMessage() async throws {
        try await withTestStore(.postgres) { test in
            await #expect(throws: DatabaseError.self) {
                try await test.store.pool.withDatabase { try await $0.raw("SELECT * FROM nightshift_nowhere").run() }
            }
            do {
                _ = try await test.store.pool.withTransaction { try await $0.raw("SELECT nope FROM nightshift_runs").run() }
                Issue.record("the statement should have failed")
            } catch {
                #expect("\(error)" == #"PostgreSQL: column "nope" does not exist"#)
            }
        }
    }
}
