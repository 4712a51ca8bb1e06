import Foundation
import Logging
import Nightshift
import NightshiftDatabase
import NightshiftSQL
import Testing

/// The stores the SQL tests run against: a fresh SQLite file, and a fresh PostgreSQL database
/// on the server named by `NIGHTSHIFT_TEST_POSTGRES` (see ``TestServices``).
public enum TestStoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    public var testDescription: String { rawValue }

    /// Both kinds: a PostgreSQL case without PostgreSQL configured shows as skipped (fails under
    /// `CI=true`) when it asks ``withTestStore(_:_:)`` for its store.
    public static var available: [TestStoreKind] { allCases }
}

/// A throwaway store: its own SQLite file or PostgreSQL database, removed by ``withTestStore``.
public struct TestStore: Sendable {
    /// The migrated store.
    public let store: SQLJobStore
    /// Its URL, for processes started by the test.
    public let url: String
}

/// Runs `body` with a new, migrated store of `kind`, and removes it afterwards; with `clock`,
/// the store reads that clock instead of the database's.
public func withTestStore<R>(
    _ kind: TestStoreKind, clock: (any EngineClock)? = nil, _ body: (TestStore) async throws -> R
) async throws -> R {
    let logger = Logger(label: "nightshift-test")
    let base: DatabaseURL
    switch kind {
    case .sqlite: base = .sqlite(path: FileManager.default.temporaryDirectory.appendingPathComponent("base.db").path)
    case .postgres: base = try DatabaseURL(try TestServices.url(of: .postgres))
    }
    return try await ScratchDatabase.with(beside: base, prefix: "nightshift_test", logger: logger) { url in
        try await SQLJobStore.withStore(url, logger: logger, clock: clock) { store in
            try await body(TestStore(store: store, url: url))
        }
    }
}
