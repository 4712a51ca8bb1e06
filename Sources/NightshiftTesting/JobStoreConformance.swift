import Nightshift
import Testing

/// The contract every ``JobStore`` keeps, as checks that any store can be run against: this
/// package runs them against ``MemoryJobStore``, SQLite and PostgreSQL, and a store of your own
/// runs them the same way.
///
/// ```swift
/// @Test(arguments: JobStoreConformance.checks)
/// func conforms(check: JobStoreConformance.Check) async throws {
///     try await check.run(on: StoreUnderTest(store: try await freshStore(), passTime: { try await Task.sleep(for: $0) }))
/// }
/// ```
public enum JobStoreConformance {
    /// One requirement of the contract, checked on a fresh store.
    public struct Check: Sendable, CustomTestStringConvertible {
        /// What the check shows, as a sentence.
        public let name: String
        private let body: @Sendable (StoreUnderTest) async throws -> Void

        init(_ name: String, _ body: @escaping @Sendable (StoreUnderTest) async throws -> Void) {
            self.name = name
            self.body = body
        }

        public var testDescription: String { name }

        /// Runs the check on `subject`, recording its expectations in the current test.
        public func run(on subject: StoreUnderTest) async throws {
            try await body(subject)
        }
    }

    /// Every check of the contract.
    public static var checks: [Check] {
        fireChecks + claimChecks + completionChecks + controlChecks + readingChecks + alertChecks
    }
}
