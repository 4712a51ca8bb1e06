import Foundation
import Logging
import SQLKit

/// A throwaway database beside a given one, for tests and benchmarks: a new database on the same
/// PostgreSQL server, or a new SQLite file in the same folder. It is dropped or deleted when the
/// body ends, whether it returns or throws.
public enum ScratchDatabase {
    /// Runs `body` with the URL of a new, empty database named `prefix` plus a random suffix.
    public static func with<R>(
        beside base: DatabaseURL, prefix: String, logger: Logger, _ body: (String) async throws -> R
    ) async throws -> R {
        let name = "\(prefix)_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        let url: String
        var admin: SQLConnectionPool?
        switch base {
        case .sqlite(let path):
            let folder = (path as NSString).deletingLastPathComponent
            url = "sqlite:\(folder.isEmpty ? "." : folder)/\(name).db"
        case .postgres:
            let pool = try await SQLConnectionPool.open(base, logger: logger)
            do {
                try await pool.withDatabase { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
            } catch {
                await pool.close()
                throw error
            }
            admin = pool
            url = base.text(maskingPassword: false, database: name)
        }
        func remove() async {
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
            let result = try await body(url)
            await remove()
            return result
        } catch {
            await remove()
            throw error
        }
    }
}
