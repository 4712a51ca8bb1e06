import Foundation
import Logging
import Nightshift
import NightshiftDatabase
import NightshiftSQL
import Testing

/// The stores the conformance tests run against: a fresh SQLite file, and a fresh PostgreSQL
/// database on the server named by `NIGHTSHIFT_TEST_POSTGRES` (set by `scripts/test.sh`).
public enum TestStoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    public var testDescription: String { rawValue }

    /// The kinds available here: SQLite always, PostgreSQL when `NIGHTSHIFT_TEST_POSTGRES` is set.
    public static var available: [TestStoreKind] {
        ProcessInfo.processInfo.environment["NIGHTSHIFT_TEST_POSTGRES"] == nil ? [.sqlite] : [.sqlite, .postgres]
    }
}

/// A throwaway store: its own SQLite file or PostgreSQL database, removed by ``withTestStore``.
public struct TestStore: Sendable {
    /// The migrated store.
    public let store: SQLJobStore
    /// Its URL, for processes started by the test.
    public let url: String
}

/// Runs `body` with a new, migrated store of `kind`, and removes it afterwards.
public func withTestStore<R>(_ kind: TestStoreKind, _ body: (TestStore) async throws -> R) async throws -> R {
    let logger = Logger(label: "nightshift-test")
    let base: DatabaseURL
    switch kind {
    case .sqlite: base = .sqlite(path: FileManager.default.temporaryDirectory.appendingPathComponent("base.db").path)
    case .postgres: base = try DatabaseURL(ProcessInfo.processInfo.environment["NIGHTSHIFT_TEST_POSTGRES"]!)
    }
    return try await ScratchDatabase.with(beside: base, prefix: "nightshift_test", logger: logger) { url in
        try await SQLJobStore.withStore(url, logger: logger) { store in try await body(TestStore(store: store, url: url)) }
    }
}
