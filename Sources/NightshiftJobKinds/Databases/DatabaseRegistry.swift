import Logging
import NightshiftRedis
import NightshiftDatabase

/// The application databases and Redis servers that maintenance jobs act on, by the names the
/// config gives them; each is connected on first use and shared by every job that names it.
public actor DatabaseRegistry {
    private let urls: [String: String]
    private let redisURLs: [String: String]
    private let logger: Logger
    private var pools: [String: Task<SQLConnectionPool, any Error>] = [:]
    private var redisClients: [String: RedisClient] = [:]

    /// A registry of SQL databases `urls` and Redis servers `redisURLs`, by name.
    public init(urls: [String: String], redisURLs: [String: String] = [:], logger: Logger) {
        self.urls = urls
        self.redisURLs = redisURLs
        self.logger = logger
    }

    /// The Redis client for `name`; throws ``MaintenanceError/unknownRedis(_:known:)`` when the
    /// config names no such server, and ``RedisError/invalidURL(_:reason:)`` for a bad URL.
    public func redis(named name: String) throws -> RedisClient {
        if let client = redisClients[name] { return client }
        guard let url = redisURLs[name] else { throw MaintenanceError.unknownRedis(name, known: redisURLs.keys.sorted()) }
        let client = RedisClient(url: try RedisURL(url))
        redisClients[name] = client
        return client
    }

    /// The pool for `name`; throws ``MaintenanceError/unknownDatabase(_:known:)`` when the
    /// config names no such database, and a ``DatabaseError`` when it cannot be reached (the
    /// next job that asks tries again).
    public func pool(named name: String) async throws -> SQLConnectionPool {
        // The opening task is stored before the first await, so jobs that ask at the same time
        // share one pool instead of racing to open two.
        if let opening = pools[name] { return try await opening.value }
        guard let url = urls[name] else { throw MaintenanceError.unknownDatabase(name, known: urls.keys.sorted()) }
        let logger = self.logger
        let opening = Task {
            let pool = try await SQLConnectionPool.open(try DatabaseURL(url), logger: logger)
            do {
                try await pool.checkConnection()
            } catch {
                await pool.close()
                throw error
            }
            return pool
        }
        pools[name] = opening
        do {
            return try await opening.value
        } catch {
            pools[name] = nil
            throw error
        }
    }

    /// Closes every pool opened so far.
    public func closeAll() async {
        for opening in pools.values {
            if let pool = try? await opening.value { await pool.close() }
        }
        pools = [:]
        for client in redisClients.values { await client.close() }
        redisClients = [:]
    }
}
