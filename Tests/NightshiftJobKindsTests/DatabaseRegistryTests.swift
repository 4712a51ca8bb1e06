import Foundation
import Logging
import Nightshift
import NightshiftJobKinds
import Testing

@Suite struct DatabaseRegistryTests {
    @Test("a job's database that cannot be reached fails its first use at once, saying where; the next use tries again")
    func unreachableJobDatabase() async throws {
        let registry = DatabaseRegistry(
            urls: ["app": "postgres://nightshift@127.0.0.1:1/app?connect_timeout=3600"], logger: Logger(label: "db-error-test"))
        for _ in 0..<2 {
            // With an hour's connect timeout, a pool that retried until it ran out would take an hour.
            let opening = Task { try await registry.pool(named: "app") }
            let ended = await Task { _ = await opening.result }.ended(within: .seconds(120))
            #expect(ended, "opening waited for the pool's retries")
            guard ended else { return opening.cancel() }
            do {
                _ = try await opening.value
                Issue.record("opening the pool should have failed")
            } catch {
                #expect(
                    "\(error)".hasPrefix(
                        "cannot connect to PostgreSQL at 127.0.0.1:1/app: connection refused: nothing listens there"), "\(error)")
            }
        }
        await registry.closeAll()
    }
}
