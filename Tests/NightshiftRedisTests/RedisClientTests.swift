import Foundation
import NIOCore
import NightshiftTestSupport
import NightshiftTesting
import Testing

@testable import NightshiftRedis

@Suite("RESP decoding")
struct RESPDecodingTests {
    @Test("every reply type, and incomplete input waits for more")
    func decodesEveryType() throws {
        let wire = "+OK\r\n-ERR bad\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*2\r\n:1\r\n$1\r\nx\r\n*-1\r\n"
        var buffer = ByteBuffer(string: wire)
        var decoder = RESPDecoder()
        var values: [RESPValue] = []
        while buffer.readableBytes > 0, let value = try decoder.next(&buffer) { values.append(value) }
        #expect(values.count == 7)
        #expect(values[0] == .simpleString("OK"))
        #expect(values[1] == .error("ERR bad"))
        #expect(values[2].integer == 42)
        #expect(values[3].string == "hello")
        #expect(values[4] == .null)
        #expect(values[5].array?.map(\.string) == ["1", "x"])
        #expect(values[6] == .null)
        for cut in 1..<wire.utf8.count where wire.utf8.count > cut {
            // Any split yields the same values as the whole: the first part's complete values
            // and the bytes read of an incomplete one are kept; the second part completes it.
            var resumed = RESPDecoder()
            var first = ByteBuffer(string: String(wire.prefix(cut)))
            var split: [RESPValue] = []
            while first.readableBytes > 0, let value = try resumed.next(&first) { split.append(value) }
            var second = first
            second.writeString(String(wire.dropFirst(cut)))
            while second.readableBytes > 0, let value = try resumed.next(&second) { split.append(value) }
            #expect(split == values, "split at \(cut)")
        }
        var bad = ByteBuffer(string: "?what\r\n")
        var badDecoder = RESPDecoder()
        #expect(throws: RedisError.self) { try badDecoder.next(&bad) }
    }

    @Test("the elements of a long reply are read once: each read takes off what is complete, not from its start again")
    func readsPartialRepliesOnce() throws {
        var decoder = RESPDecoder()
        var buffer = ByteBuffer(string: "*3\r\n$1\r\na\r\n$1\r\nb")
        #expect(try decoder.next(&buffer) == nil)
        // The array's start and its first element are taken; the incomplete second waits.
        #expect(String(buffer: buffer) == "$1\r\nb")
        buffer.writeString("\r\n:7\r\n")
        let value = try decoder.next(&buffer)
        #expect(value?.array?.map(\.string) == ["a", "b", "7"])
        #expect(buffer.readableBytes == 0)
    }

    @Test("URLs with user, password and database; the password is masked")
    func readsURLs() throws {
        let url = try RedisURL("redis://app:s3cret@cache.local:6380/2")
        #expect(
            url.host == "cache.local" && url.port == 6380 && url.user == "app" && url.password == "s3cret" && url.database == 2)
        #expect(url.description == "redis://app:***@cache.local:6380/2")
        #expect(try RedisURL("redis://127.0.0.1").port == 6379)
        #expect(throws: RedisError.self) { try RedisURL("http://x") }
        #expect(throws: RedisError.self) { try RedisURL("redis://x/abc") }
    }
}

@Suite("Redis client on a real server", .requiresRedis)
struct RedisClientTests {
    @Test("commands, a pipeline of 1,000, and a server error that leaves the rest standing")
    func pipelines() async throws {
        try await TestRedis.withPrefix { client, prefix in
            #expect(try await client.send(["SET", "\(prefix)a", "hello"]) == .simpleString("OK"))
            #expect(try await client.send(["GET", "\(prefix)a"]).string == "hello")
            #expect(try await client.send(["GET", "\(prefix)missing"]) == .null)
            let replies = try await client.pipeline((0..<1000).map { ["INCRBY", "\(prefix)n", String($0)] })
            #expect(replies.last?.integer == Int64((0..<1000).reduce(0, +)))
            let mixed = try await client.pipeline([["INCR", "\(prefix)a"], ["INCR", "\(prefix)m"]])
            guard case .error(let message) = mixed[0] else {
                Issue.record("expected an error, got \(mixed[0])")
                return
            }
            #expect(message.contains("not an integer"))
            #expect(mixed[1].integer == 1)
            await #expect(throws: RedisError.self) { try await client.send(["INCR", "\(prefix)a"]) }
        }
    }

    @Test("SCAN walks every matching key once the cursor is done, from many tasks at once")
    func scansAllKeys() async throws {
        try await TestRedis.withPrefix { client, prefix in
            let keys = (0..<2500).map { "\(prefix)k:\($0)" }
            for chunk in stride(from: 0, to: keys.count, by: 500) {
                _ = try await client.pipeline(keys[chunk..<chunk + 500].map { ["SET", $0, "1"] })
            }
            _ = try await client.send(["SET", "\(prefix)other", "1"])
            var seen = Set<String>()
            for try await batch in client.scan(match: "\(prefix)k:*", count: 100) { seen.formUnion(batch) }
            #expect(seen == Set(keys))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<20 {
                    group.addTask { _ = try await client.send(["INCRBY", "\(prefix)shared", String(task)]) }
                }
                try await group.waitForAll()
            }
            #expect(try await client.send(["GET", "\(prefix)shared"]).integer == 190)
        }
    }

    @Test("AUTH and SELECT from the URL; a wrong password is a clear error")
    func logsIn() async throws {
        let server = try RedisTestServer(extraArguments: ["--requirepass", "pw"])
        defer { server.stop() }
        let client = RedisClient(url: try RedisURL("redis://:pw@127.0.0.1:\(server.port)/3"))
        _ = try await client.send(["SET", "k", "db3"])
        let other = RedisClient(url: try RedisURL("redis://:pw@127.0.0.1:\(server.port)/0"))
        #expect(try await other.send(["GET", "k"]) == .null)
        let wrong = RedisClient(url: try RedisURL("redis://:nope@127.0.0.1:\(server.port)"))
        await #expect(throws: RedisError.self) { try await wrong.send(["PING"]) }
        await client.close()
        await other.close()
    }

    @Test("reconnects after the server restarts")
    func reconnects() async throws {
        let server = try RedisTestServer()
        defer { server.stop() }
        let client = RedisClient(url: try RedisURL("redis://127.0.0.1:\(server.port)"))
        #expect(try await client.send(["PING"]) == .simpleString("PONG"))
        server.stop()
        await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        try server.start()
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await client.send(["PING"]) == .simpleString("PONG"))
        await client.close()
    }
}
