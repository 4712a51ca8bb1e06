import Foundation
import Logging
import Nightshift
import NightshiftMaintenance
import NightshiftTesting
import Testing

@Suite struct SQLStatementJobTests {
    @Test("reports rows affected, or the first row; a dry run changes nothing", arguments: TestStoreKind.available)
    func statement(kind: TestStoreKind) async throws {
        try await withTestStore(kind) { test in
            let registry = DatabaseRegistry(urls: ["app": test.url], logger: Logger(label: "sql-job-test"))
            func run(_ sql: String, dryRun: Bool = false) async throws -> JSONObject {
                try await SQLStatementJob(database: "app", sql: sql).body(registry: registry)(context(dryRun: dryRun))
            }
            _ = try await run("CREATE TABLE logs (id INTEGER PRIMARY KEY, age INTEGER NOT NULL)")
            #expect(try await run("INSERT INTO logs (id, age) VALUES (1, 1), (2, 5), (3, 9)") == ["rowsAffected": 3])
            #expect(try await run("DELETE FROM logs WHERE age > 4", dryRun: true) == ["rowsAffected": 2, "dryRun": true])
            #expect(try await run("SELECT count(*) AS remaining FROM logs") == ["remaining": 3])
            #expect(try await run("DELETE FROM logs WHERE age > 4") == ["rowsAffected": 2])
            #expect(try await run("SELECT count(*) AS remaining, max(age) AS oldest FROM logs") == ["remaining": 1, "oldest": 1])
            await #expect(throws: MaintenanceError.self) {
                try await SQLStatementJob(database: "missing", sql: "SELECT 1").body(registry: registry)(context())
            }
            await registry.closeAll()
        }
    }
}
