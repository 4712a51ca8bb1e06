/// The keys matching a pattern, one `SCAN` batch at a time. `SCAN` may return a key more than
/// once while the key space changes; callers that count must tolerate that (upserts do).
public struct RedisScanSequence: AsyncSequence, Sendable {
    public typealias Element = [String]

    let client: RedisClient
    let pattern: String
    let count: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(client: client, pattern: pattern, count: count)
    }

    /// Walks the cursor until the server says it is back at 0.
    public struct Iterator: AsyncIteratorProtocol {
        let client: RedisClient
        let pattern: String
        let count: Int
        var cursor = "0"
        var finished = false

        public mutating func next() async throws -> [String]? {
            while !finished {
                let reply = try await client.send(["SCAN", cursor, "MATCH", pattern, "COUNT", String(count)])
                guard let parts = reply.array, parts.count == 2, let next = parts[0].string, let keys = parts[1].array else {
                    throw RedisError.unexpectedReply(command: "SCAN", reply: "\(reply)")
                }
                cursor = next
                finished = next == "0"
                let names = keys.compactMap(\.string)
                // Empty batches are common with MATCH; skip them rather than hand them out.
                if !names.isEmpty { return names }
            }
            return nil
        }
    }
}
