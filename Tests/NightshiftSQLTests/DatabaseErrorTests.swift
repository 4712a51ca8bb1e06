import NightshiftDatabase
import Foundation
import Logging
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import SQLKit
import Testing

@Suite struct DatabaseErrorTests {
    @Test("a PostgreSQL nobody listens for, and an SQLite file in a missing folder, fail with a sentence")
    func unreachable() async throws {
        // A port nothing listens on: bound, then closed.
        let refused = try DatabaseURL("postgres://u@127.0.0.1:1/app")
        let pool = try await SQLConnectionPool.open(refused, logger: Logger(label: "test"))
        await #expect {
            try await pool.checkConnection()
        } throws: { error in
            "\(error)"
                == "cannot connect to PostgreSQL at 127.0.0.1:1/app: connection refused: nothing listens there (is PostgreSQL running, on that host and port?)"
        }
        await pool.close()
        let folder = "/tmp/nightshift-missing-\(UUID().uuidString)"
        await #expect {
            _ = try await SQLConnectionPool.open(try DatabaseURL("sqlite:\(folder)/store.db"), logger: Logger(label: "test"))
        } throws: { error in
            "\(error)"
                == "cannot open the SQLite file \(folder)/store.db: its folder \(folder) does not exist; create it, or fix the path"
        }
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

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
