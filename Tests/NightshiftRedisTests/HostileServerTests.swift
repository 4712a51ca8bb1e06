import Foundation
import NIOCore
import NIOPosix
import Nightshift
import NightshiftTestSupport
import NightshiftTesting
import PropertyBased
import Testing

@testable import NightshiftRedis

/// A server that answers every connection with `reply` (nothing: it never answers).
private final class FakeRedisServer: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let reply: String?
    init(reply: String?) { self.reply = reply }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let reply { context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: reply)), promise: nil) }
    }

    /// Starts on a free loopback port, runs `body` with its URL, and stops.
    static func with(reply: String?, _ body: (RedisURL) async throws -> Void) async throws {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FakeRedisServer(reply: reply))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        do {
            try await body(try RedisURL("redis://127.0.0.1:\(channel.localAddress?.port ?? 0)"))
        } catch {
            try? await channel.close()
            throw error
        }
        try await channel.close()
    }
}

@Suite struct HostileServerTests {
    @Test(arguments: [
        "$9223372036854775807\r\n",  // overflowed `length + 2`
        "*2400000000000\r\n",  // reserved room for 2.4 TB
        String(repeating: "*1\r\n", count: 100_000),  // overflowed the stack
        String(repeating: "x", count: 70_000),  // a line that never ends
        "$3\r\nabcXY",  // a bulk string without its CRLF
        ":12x\r\n", "$-2\r\n", "+OK\rX",
    ])
    func refusesWhatIsNotRESP(wire: String) {
        var buffer = ByteBuffer(string: wire)
        var decoder = RESPDecoder()
        #expect(throws: RedisError.self) {
            while buffer.readableBytes > 0, try decoder.next(&buffer) != nil {}
        }
    }

    @Test("a reply's elements together stay within the reply's budget; the next reply starts a new one")
    func replyBudget() throws {
        let bulk = "$500\r\n" + String(repeating: "x", count: 500) + "\r\n"
        var fits = ByteBuffer(string: "*1\r\n" + bulk + "*1\r\n" + bulk)
        var decoder = RESPDecoder(replyBudget: 1_024)
        #expect(try decoder.next(&fits) != nil)
        #expect(try decoder.next(&fits) != nil, "each reply has a budget of its own")
        var tooLarge = ByteBuffer(string: "*3\r\n" + bulk + bulk + bulk)
        var bounded = RESPDecoder(replyBudget: 1_024)
        #expect(throws: RedisError.protocolViolation("a reply larger than 1024 bytes")) {
            while tooLarge.readableBytes > 0, try bounded.next(&tooLarge) != nil {}
        }
    }

    @Test("random bytes never trap the decoder")
    func fuzz() async {
        let pieces = [
            "*", "$", ":", "+", "-", "1", "2", "-1", "0", "99999999999999999999", "\r\n", "\r", "\n", "x", "OK", "*1\r\n",
            "$1\r\nx\r\n",
        ]
        await propertyCheck(count: FuzzBudget.count, input: Gen.element(of: pieces).array(of: 1...30)) { parts in
            var buffer = ByteBuffer(string: parts.compactMap { $0 }.joined())
            var decoder = RESPDecoder()
            while buffer.readableBytes > 0, (try? decoder.next(&buffer)) != nil {}
        }
    }

    @Test("a server that never answers: the first command (PING, at connect) times out, and the connection is closed")
    func commandTimeout() async throws {
        try await FakeRedisServer.with(reply: nil) { url in
            let connecting = Task { try await RedisConnection.connect(to: url, commandTimeout: .milliseconds(300)) }
            // The server never answers: without the timeout the connect would wait for good.
            let ended = await Task { _ = await connecting.result }.ended(within: .seconds(120))
            #expect(ended, "the connect waited for an answer that never comes")
            guard ended else { return connecting.cancel() }
            await #expect(throws: RedisError.timedOut(command: "PING", after: .milliseconds(300))) {
                _ = try await connecting.value
            }
        }
    }

    @Test("a server that answers garbage: an error at connect, not a trap")
    func hostileReply() async throws {
        try await FakeRedisServer.with(reply: "*2400000000000\r\n") { url in
            await #expect(throws: RedisError.self) {
                _ = try await RedisConnection.connect(to: url, commandTimeout: .seconds(30))
            }
        }
    }
}

@Suite struct RedisURLSecretTests {
    @Test("a bad Redis URL is refused without its password, whatever the password holds")
    func badURLHidesPassword() {
        for text in ["redis://:pa/ss@cache/abc", "redis://u:p@ss:w/rd@cache:x/0", "redis://:secret@"] {
            #expect {
                try RedisURL(text)
            } throws: { error in
                !"\(error)".contains("pa/ss") && !"\(error)".contains("p@ss") && !"\(error)".contains("secret")
                    && !String(reflecting: error).contains("secret")
            }
        }
    }
}
