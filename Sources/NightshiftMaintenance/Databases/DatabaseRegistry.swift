import Logging
import NightshiftSQL

/// The application databases that maintenance jobs act on, by the names the config gives them;
/// each is connected on first use and shared by every job that names it.
public actor DatabaseRegistry {
    private let urls: [String: String]
    private let logger: Logger
    private var pools: [String: SQLConnectionPool] = [:]

    /// A registry of `urls` by name.
    public init(urls: [String: String], logger: Logger) {
        self.urls = urls
        self.logger = logger
    }

    /// The pool for `name`; throws ``MaintenanceError/unknownDatabase(_:known:)`` when the
    /// config names no such database.
    public func pool(named name: String) async throws -> SQLConnectionPool {
        if let pool = pools[name] { return pool }
        guard let url = urls[name] else { throw MaintenanceError.unknownDatabase(name, known: urls.keys.sorted()) }
        let pool = try await SQLConnectionPool.open(try DatabaseURL(url), logger: logger)
        pools[name] = pool
        return pool
    }

    /// Closes every pool opened so far.
    public func closeAll() async {
        for pool in pools.values { await pool.close() }
        pools = [:]
    }
}
