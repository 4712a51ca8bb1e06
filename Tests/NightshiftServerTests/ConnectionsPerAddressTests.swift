import Foundation
import Hummingbird
import Logging
import NightshiftTestSupport
import NightshiftTesting
import Prometheus
import Synchronization
import Testing

@testable import NightshiftServer

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ConnectionsPerAddressTests {
    /// A TCP connection to `127.0.0.1:port` that waits up to a minute on a read.
    final class Connection {
        let socket: Int32

        init(port: Int) throws {
            socket = try #require(LoopbackSocket.connect(port: port), "connect: \(errno)")
        }

        deinit { close(socket) }

        /// Sends `text`; false when the server has closed the connection.
        func send(_ text: String) -> Bool {
            Array(text.utf8).withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } > 0
        }

        /// The index of the first of `connections` the server closes within `seconds`, if any.
        static func firstClosed(of connections: [Connection], within seconds: Int) -> Int? {
            var watched = connections.map { pollfd(fd: $0.socket, events: Int16(POLLIN), revents: 0) }
            guard poll(&watched, nfds_t(watched.count), Int32(seconds * 1000)) > 0 else { return nil }
            return watched.firstIndex { $0.revents != 0 }
        }

        /// What the server sends next; empty when it closed the connection.
        func read() -> String {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
        }
    }

    @Test("one address may hold only its share of connections: one more is closed at once, and a freed place is taken again")
    func perAddressLimit() async throws {
        let api = AdminAPI(
            store: MemoryJobStore(), jobs: [], configuration: .init(tokens: []), registry: PrometheusCollectorRegistry())
        let port = Mutex(0)
        let app = AdminServer.application(
            // The read deadline an hour away: only the limit closes a connection here.
            api: api, host: "127.0.0.1", port: 0, requestReadTimeout: 3600, maxConnectionsPerAddress: 2,
            logger: Logger(label: "connections-test"),
            onServerRunning: { bound in port.withLock { $0 = bound } })
        // Run as a service, not through the testing framework: its client connects from
        // 127.0.0.1 too, at a moment of its own, and took one of the two places under load.
        let serving = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { serving.cancel() }
        let deadline = ContinuousClock.now + .seconds(120)
        while port.withLock({ $0 }) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        do {
            let bound = try #require(port.withLock { $0 } > 0 ? port.withLock { $0 } : nil, "the server did not start")
            // Three half-open connections (no request sent): which one is closed depends on which
            // event loop counts its connection first.
            var open = [try Connection(port: bound), try Connection(port: bound), try Connection(port: bound)]
            let closed = Connection.firstClosed(of: open, within: 60)
            #expect(closed != nil, "one of three connections from one address is closed")
            if let closed { open.remove(at: closed) }
            #expect(Connection.firstClosed(of: open, within: 0) == nil, "the other two stay open")
            open.removeFirst()
            // The server learns of the close a moment later: ask until a new connection answers.
            var answer = ""
            for _ in 0..<600 where !answer.hasPrefix("HTTP/1.1 200") {
                let next = try Connection(port: bound)
                if next.send("GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n") { answer = next.read() }
                if !answer.hasPrefix("HTTP/1.1 200") { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(answer.hasPrefix("HTTP/1.1 200"), "a freed place is taken again: \(answer)")
            // Closed before the server stops, which would wait for it.
            open.removeAll()
        }
        serving.cancel()
        _ = await serving.result
    }
}
