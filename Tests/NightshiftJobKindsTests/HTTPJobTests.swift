import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Nightshift
import NightshiftTestSupport
import NightshiftTesting
import Synchronization
import Testing

@testable import NightshiftJobKinds

/// `http` jobs against a real HTTP server on loopback.
@Suite struct HTTPJobTests {
    @Test("Retry-After is honoured up to an hour, in seconds or as an HTTP date; anything else is ignored")
    func retryAfter() {
        #expect(HTTPJob.delay("120") == .seconds(120))
        #expect(HTTPJob.delay("86400") == .seconds(3600))
        #expect(HTTPJob.delay("Fri, 31 Dec 2100 23:59:59 GMT") == .seconds(3600))
        #expect(HTTPJob.delay("Thu, 01 Jan 1970 00:00:00 GMT") == .seconds(0))
        #expect(HTTPJob.delay("soon") == nil && HTTPJob.delay("-5") == nil)
    }

    /// What the test server saw: each request's path and Nightshift headers and body.
    final class Seen: Sendable {
        struct Request: Sendable {
            let path: String
            let idempotencyKey: String?
            let attempt: String?
            let body: String
        }
        let requests = Mutex<[Request]>([])
        /// How many answers of /flaky are still 503.
        let failuresLeft = Mutex(1)
    }

    /// Runs `body` with the base URL of a live server answering the test's paths.
    func withServer(_ body: @escaping @Sendable (String, Seen) async throws -> Void) async throws {
        let seen = Seen()
        let router = Router()
        @Sendable func record(_ request: Request) async throws -> String {
            let text = String(buffer: try await request.body.collect(upTo: 1 << 16))
            seen.requests.withLock {
                $0.append(
                    .init(
                        path: request.uri.path, idempotencyKey: request.headers[.init("Idempotency-Key")!],
                        attempt: request.headers[.init("Nightshift-Attempt")!], body: text))
            }
            return text
        }
        router.post("/cleanup") { request, _ -> Response in
            let received = try await record(request)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"result": {"deleted": 3}, "received": \#(received)}"#)))
        }
        router.post("/flaky") { request, _ -> Response in
            _ = try await record(request)
            let fail = seen.failuresLeft.withLock { left in
                defer { left -= 1 }
                return left > 0
            }
            return fail
                ? Response(
                    status: .serviceUnavailable, headers: [.init("Retry-After")!: "30"],
                    body: .init(byteBuffer: ByteBuffer(string: "busy")))
                : Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "done")))
        }
        // The seed teams' own job endpoints: 200 with the outcome in the body.
        router.post("/says-failed") { request, _ -> Response in
            _ = try await record(request)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(
                    byteBuffer: ByteBuffer(string: #"{"success": false, "error": "quota exceeded", "data": {"state": "stuck"}}"#))
            )
        }
        router.post("/missing") { request, _ -> Response in
            _ = try await record(request)
            return Response(status: .notFound, body: .init(byteBuffer: ByteBuffer(string: "no such route")))
        }
        router.post("/slow") { _, _ -> Response in
            // Longer than the job's timeout; short, since the server waits for it to stop.
            try await Task.sleep(for: .seconds(2))
            return Response(status: .ok)
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) {
            client in
            try await body("http://127.0.0.1:\(try #require(client.port))", seen)
        }
    }

    func context(attempt: Int = 1, dryRun: Bool = false) -> JobContext {
        JobContext(
            jobName: "cleanup-logs", runID: .version7(), attempt: attempt, scheduledFor: nil, isDryRun: dryRun, window: nil,
            params: ["tenant": "acme"], logger: Logger(label: "http-test"), progress: { _ in })
    }

    @Test("a JSON answer's result is the run's details; the request carries the run's id and attempt and the rendered body")
    func jsonAnswer() async throws {
        try await withServer { base, seen in
            let template = try HTTPBodyTemplate(
                .object([
                    "dryRun": "{{dryRun}}", "from": "{{window.from}}", "tenant": "{{params.tenant}}",
                    "note": "run {{run.attempt}}",
                ]))
            let job = HTTPJob(url: base + "/cleanup", headers: [("Authorization", "Bearer secret")], body: template)
            let context = context(dryRun: true)
            let details = try await job.body(context)
            #expect(details == ["deleted": 3])
            let request = try #require(seen.requests.withLock { $0.first })
            #expect(request.idempotencyKey == context.runID.lowercasedText && request.attempt == "1")
            #expect(request.body == #"{"dryRun":true,"from":null,"tenant":"acme","note":"run 1"}"#)
        }
    }

    @Test("a 503 with Retry-After is retried by the policy, no sooner, with the same Idempotency-Key, and succeeds on attempt 2")
    func retriedAfter503() async throws {
        try await withServer { base, seen in
            let http = HTTPJob(url: base + "/flaky")
            let job = try Job(
                name: "flaky-call", policies: JobPolicies(retry: RetryPolicy(maxAttempts: 3, backoffBase: .seconds(1))),
                body: http.body)
            let kit = try await NightshiftTestKit(jobs: [job])
            try await kit.enqueue(NewRun(job: "flaky-call", maxAttempts: 3))
            #expect(try await kit.drain() == .init(retried: 1))
            try await kit.advance(by: .seconds(10))
            #expect(try await kit.drain() == .init(), "retried before the 30 s the server asked for")
            try await kit.advance(by: .seconds(30))
            #expect(try await kit.drain() == .init(succeeded: 1))
            let requests = seen.requests.withLock { $0 }
            #expect(requests.map(\.attempt) == ["1", "2"])
            #expect(requests.count == 2 && requests[0].idempotencyKey == requests[1].idempotencyKey)
        }
    }

    @Test("200 {\"success\": false} fails the attempt with the body's error and is retried by the policy")
    func answerSaysFailed() async throws {
        try await withServer { base, seen in
            let job = try Job(
                name: "says-failed", policies: JobPolicies(retry: RetryPolicy(maxAttempts: 2, backoffBase: .seconds(1))),
                body: HTTPJob(url: base + "/says-failed").body)
            let kit = try await NightshiftTestKit(jobs: [job])
            let run = try #require(try await kit.enqueue(NewRun(job: "says-failed", maxAttempts: 2)).first)
            #expect(try await kit.drain() == .init(retried: 1))
            try await kit.advance(by: .seconds(5))
            #expect(try await kit.drain() == .init(failed: 1))
            let ended = try #require(try await kit.store.run(id: run.id))
            #expect(ended.error == "HTTP 200, but the answer says the work failed: quota exceeded", "\(ended.error ?? "")")
            #expect(seen.requests.withLock { $0.count } == 2)
        }
    }

    @Test("the answer rule: a named field and value, or off; JSON pointers as RFC 6901 reads them")
    func answerRules() async throws {
        try await withServer { base, _ in
            let url = base + "/says-failed"
            let field = try JSONPointer("/data/state")
            #expect(try await HTTPJob(url: url, answerRule: .field(field, equals: "stuck")).body(context())["success"] == false)
            await #expect(throws: HTTPJobError.failedAnswer(status: 200, reason: "quota exceeded")) {
                try await HTTPJob(url: url, answerRule: .field(field, equals: "done")).body(context())
            }
            #expect(try await HTTPJob(url: url, answerRule: .off).body(context())["error"] == "quota exceeded")
        }
        #expect(HTTPAnswerRule.conventional.failure(in: .object(["ok": false])) == "the answer says \"ok\": false")
        #expect(HTTPAnswerRule.conventional.failure(in: .object(["ok": true, "success": true])) == nil)
        #expect(HTTPAnswerRule.conventional.failure(in: .array([.bool(false)])) == nil)
        let missing = HTTPAnswerRule.field(try JSONPointer("/a~1b/0"), equals: true)
        #expect(missing.failure(in: .object(["a/b": .array([.bool(true)])])) == nil)
        #expect(missing.failure(in: .object([:])) == "the answer holds nothing at /a~1b/0, not true")
        #expect(throws: JSONPointer.Invalid.self) { try JSONPointer("data/state") }
        #expect(throws: JSONPointer.Invalid.self) { try JSONPointer("/a~2") }
    }

    @Test("a refused connection fails the attempt at once, not after the connect timeout")
    func refusedConnection() async throws {
        // Nothing listens on port 1; the client's pool used to try again until its connect
        // timeout, which is an hour here.
        let job = HTTPJob(url: "http://127.0.0.1:1/x", connectTimeout: .seconds(3600))
        let attempt = Task { try await job.body(context()) }
        let ended = await Task { _ = await attempt.result }.ended(within: .seconds(120))
        #expect(ended, "the refused connection was tried again until the connect timeout")
        guard ended else { return attempt.cancel() }
        await #expect(
            throws: HTTPJobError.unreachable(url: "http://127.0.0.1:1/x", reason: "connection refused: nothing listens there")
        ) {
            try await attempt.value
        }
    }

    @Test("a 404 fails at once, without a retry, saying so")
    func notFoundFails() async throws {
        try await withServer { base, _ in
            await #expect(throws: HTTPJobError.refused(status: 404, body: "no such route")) {
                try await HTTPJob(url: base + "/missing").body(context())
            }
            #expect(HTTPJobError.refused(status: 404, body: "").retryAdvice == .never)
        }
    }

    @Test("a request past the job's timeout fails as timed out")
    func timeout() async throws {
        try await withServer { base, _ in
            let job = try Job(
                name: "slow-call", policies: JobPolicies(timeout: .milliseconds(300)), body: HTTPJob(url: base + "/slow").body)
            let run = Run(
                id: .version7(), job: "slow-call", status: .running, trigger: .api, runAfter: Date(), createdAt: Date())
            let completion = await RunExecutor(logger: Logger(label: "http-test"), metrics: EngineMetrics(), clock: SystemClock())
                .execute(run, job: job)
            #expect(completion.error == "timed out after 300ms", "\(completion.error ?? "")")
        }
    }

    @Test("https with a certificate of the test's own CA fails without ca: and succeeds with it")
    func selfSignedCertificate() async throws {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("nightshift-https-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try await TestCertificates(in: folder)
        try #"{"ok": true}"#.write(to: folder.appendingPathComponent("answer.json"), atomically: true, encoding: .utf8)
        let port = Int.random(in: 32_500...32_700)
        // openssl's test server answers GET /answer.json from its folder.
        let server = try TestProcess(
            "/usr/bin/openssl",
            [
                "s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificates.serverCertificate, "-key",
                certificates.serverKey, "-WWW", "-quiet",
            ], directory: folder.path)
        defer { server.kill() }
        let url = "https://localhost:\(port)/answer.json"
        let trusted = HTTPJob(method: "GET", url: url, caFile: certificates.ca)
        var details: JSONObject?
        // Until openssl's server listens: on a loaded machine a try that finds no listener can
        // take the client's whole 10 s connect timeout, so allow a minute.
        let deadline = ContinuousClock.now + .seconds(60)
        while details == nil, ContinuousClock.now < deadline {
            details = try? await trusted.body(context())
            if details == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(details == ["ok": true])
        await #expect {
            try await HTTPJob(method: "GET", url: url).body(context())
        } throws: { error in
            "\(error)".contains("TLS") && "\(error)".contains("ca:")
        }
    }
}
