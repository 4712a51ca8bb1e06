import Nightshift
import NightshiftTesting
import Testing

/// The store contract, run against the memory store on a manual clock.
@Suite struct MemoryJobStoreTests {
    @Test("the store contract", arguments: JobStoreConformance.checks)
    func conforms(check: JobStoreConformance.Check) async throws {
        try await check.run(on: .memory())
    }
}
