/// A lock held in Redis, so that processes sharing the server take turns: `SET name owner NX PX`,
/// renewed while held, released only by its owner. A holder that dies loses the lock when it
/// expires.
public struct RedisLock: Sendable {
    /// The lock's key.
    public let name: String
    /// Who holds it when taken (a run id); only this owner releases it.
    public let owner: String
    /// How long the lock lasts unless renewed; it is renewed every third of it.
    public let expiry: Duration

    /// A lock `name` for `owner`.
    public init(name: String, owner: String, expiry: Duration = .seconds(30)) {
        self.name = name
        self.owner = owner
        self.expiry = expiry
    }

    /// Deletes the key only when it still holds our owner: a lock that expired and was taken by
    /// another is left alone.
    static let releaseScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"
    /// Extends the key only when it still holds our owner.
    static let renewScript =
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end"

    private var milliseconds: String {
        let (seconds, attoseconds) = expiry.components
        return String(max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
    }

    /// Waits until the lock is free (checking every `pollInterval`), holds it while `body` runs,
    /// and releases it; throws `CancellationError` when cancelled while waiting.
    public func withLock<R: Sendable>(
        on client: RedisClient, pollInterval: Duration = .milliseconds(200), _ body: () async throws -> R
    ) async throws -> R {
        while try await client.send(["SET", name, owner, "NX", "PX", milliseconds]) == .null {
            try await Task.sleep(for: pollInterval)
        }
        let renewal = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: expiry / 3)
                guard !Task.isCancelled else { return }
                _ = try? await client.send(["EVAL", Self.renewScript, "1", name, owner, milliseconds])
            }
        }
        do {
            let result = try await body()
            renewal.cancel()
            _ = try? await client.send(["EVAL", Self.releaseScript, "1", name, owner])
            return result
        } catch {
            renewal.cancel()
            _ = try? await client.send(["EVAL", Self.releaseScript, "1", name, owner])
            throw error
        }
    }
}
