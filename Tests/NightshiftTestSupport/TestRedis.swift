import Foundation
import NightshiftRedis

/// The Redis server the tests use, named by `NIGHTSHIFT_TEST_REDIS` (set by `scripts/test.sh`).
/// Tests share it and keep apart by key prefix.
public enum TestRedis {
    /// Its URL as text; cancels the test when Redis is not configured (see ``TestServices``).
    public static func url() throws -> String { try TestServices.url(of: .redis) }

    /// Runs `body` with a client and a key prefix of its own (`t<random>:`), and deletes every key
    /// under that prefix afterwards.
    public static func withPrefix<R>(_ body: (RedisClient, String) async throws -> R) async throws -> R {
        let client = RedisClient(url: try RedisURL(try url()))
        let prefix = "t\(UUID().uuidString.prefix(8).lowercased()):"
        func cleanUp() async {
            var keys: [String] = []
            if let scan = try? await collect(client.scan(match: "\(prefix)*")) { keys = scan }
            for chunk in stride(from: 0, to: keys.count, by: 500) {
                _ = try? await client.send(["DEL"] + keys[chunk..<min(chunk + 500, keys.count)])
            }
            await client.close()
        }
        do {
            let result = try await body(client, prefix)
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }

    private static func collect(_ scan: RedisScanSequence) async throws -> [String] {
        var keys: [String] = []
        for try await batch in scan { keys += batch }
        return keys
    }
}

/// A `redis-server` of a test's own, on a free loopback port, for tests that stop and restart
/// the server or need a password.
public final class RedisTestServer: @unchecked Sendable {
    /// The port it listens on.
    public private(set) var port = 0
    private var arguments: [String] = []
    private var process: TestProcess?

    /// Why a server of a test's own did not come up.
    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `redis-server` with `extraArguments` (such as `["--requirepass", "x"]`) on a free
    /// random port: another port when the chosen one turns out to be taken.
    public init(extraArguments: [String] = []) throws {
        var failure: (any Error)?
        for _ in 0..<5 {
            port = Int.random(in: 31_000...32_499)
            arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"] + extraArguments
            do {
                try start()
                return
            } catch {
                failure = error
            }
        }
        throw failure ?? StartFailure(description: "redis-server did not start")
    }

    /// Starts the server again after ``stop()``, on the same port; throws when it exits or does
    /// not accept connections within a minute (a loaded machine can take seconds to start it).
    public func start() throws {
        let process = try TestProcess(Self.serverPath, arguments)
        self.process = process
        // Ready when the port answers as this process: a server of another test on the same
        // port answered first once, and the test talked to it.
        for _ in 0..<3_000 {
            if let answering = Self.serverProcessID(port, password: password) {
                if answering == process.processIdentifier { return }
                stop()
                throw StartFailure(description: "port \(port) is another redis-server's")
            }
            guard process.isRunning else {
                self.process = nil
                throw StartFailure(description: "redis-server exited at start (port \(port) taken?)")
            }
            usleep(20_000)
        }
        stop()
        throw StartFailure(description: "redis-server on port \(port) did not accept connections within a minute")
    }

    /// Stops the server, dropping every client connection.
    public func stop() {
        process?.kill()
        process = nil
    }

    deinit { stop() }

    private static var serverPath: String {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") + [
            "/usr/bin", "/usr/sbin",
        ] {
            let path = "\(folder)/redis-server"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return "/usr/bin/redis-server"
    }

    /// The `--requirepass` among the server's arguments.
    private var password: String? {
        arguments.firstIndex(of: "--requirepass").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    }

    /// The process id of the redis-server answering on `port` (`INFO server`, after `AUTH` with
    /// `password` when given), nil when none answers, -1 when it answers otherwise.
    private static func serverProcessID(_ port: Int, password: String?) -> Int32? {
        guard let socket = LoopbackSocket.connect(port: port, readTimeout: 2) else { return nil }
        defer { close(socket) }
        let request = Array(((password.map { "AUTH \($0)\r\n" } ?? "") + "INFO server\r\n").utf8)
        guard write(socket, request, request.count) == request.count else { return nil }
        var answer = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        // The answer is one bulk string; `process_id` comes within its first lines.
        while answer.count < 64 * 1024 {
            let count = read(socket, &buffer, buffer.count)
            guard count > 0 else { break }
            answer += buffer[0..<count]
            let text = String(decoding: answer, as: UTF8.self)
            if let line = text.split(separator: "\r\n").first(where: { $0.hasPrefix("process_id:") }) {
                return Int32(line.dropFirst("process_id:".count))
            }
            // Another test's server that wants a password answers with an error.
            if text.hasPrefix("-") { return -1 }
        }
        return -1
    }
}
