import SQLKit
import Testing
import Foundation
import Logging
import Nightshift
import NightshiftSQL

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
    let name = "nightshift_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
    let url: String
    var admin: SQLConnectionPool?
    switch kind {
    case .sqlite:
        url = "sqlite:\(FileManager.default.temporaryDirectory.path)/\(name).db"
    case .postgres:
        let base = ProcessInfo.processInfo.environment["NIGHTSHIFT_TEST_POSTGRES"]!
        let pool = try await SQLConnectionPool.open(try DatabaseURL(base), logger: logger)
        try await pool.withDatabase { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        admin = pool
        url = base.replacingOccurrences(of: #"/[^/]*$"#, with: "/\(name)", options: .regularExpression)
    }
    let store = try await SQLJobStore.open(url, logger: logger)
    func cleanUp() async {
        await store.close()
        if let admin {
            _ = try? await admin.withDatabase {
                try await $0.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run()
            }
            await admin.close()
        } else if case .sqlite(let path) = try? DatabaseURL(url) {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
    }
    do {
        try await store.migrate()
        let result = try await body(TestStore(store: store, url: url))
        await cleanUp()
        return result
    } catch {
        await cleanUp()
        throw error
    }
}
