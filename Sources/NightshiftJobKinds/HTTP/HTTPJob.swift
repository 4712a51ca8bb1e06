import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Nightshift

/// The `http` job kind: calls an endpoint of the team's own app and records the answer.
///
/// A JSON object answer becomes the run's details (its `result` or `details` object when it
/// has one); any other answer keeps `status` and the first KiB of `body`. Every request carries
/// `Idempotency-Key: <run id>`, `Nightshift-Run` and `Nightshift-Attempt`, so the app can tell
/// a retry from a new run. A status in `success` succeeds, unless the answer says the work
/// failed (``HTTPAnswerRule``: by default `{"success": false}` or `{"ok": false}`), which is
/// retried by the job's policy; 5xx, 408, 429 (waiting at least its `Retry-After`) and
/// connection failures are retried by the job's policy; other statuses fail at once. TLS is
/// verified against the system's CAs, or `caFile`. Headers and bodies are never logged: they
/// hold secrets.
public struct HTTPJob: Sendable {
    /// The longest answer read; the rest is dropped.
    static let maximumAnswerBytes = 1 << 20

    /// How long connecting may take unless the job says otherwise.
    public static let defaultConnectTimeout: Duration = .seconds(10)

    /// The client of every job without a CA or connect timeout of its own, for the life of the
    /// process. A connection that cannot be made (refused, TLS not verified) fails the attempt at
    /// once, one that does not answer within the connect timeout then, and the job's retry policy
    /// decides what next: with the client's default of no connect timeout, a request waited 90 s.
    static let sharedClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration())

    /// A connect timeout, no second try at a connection that failed, and `tls` when given.
    static func clientConfiguration(tls: TLSConfiguration? = nil, connectTimeout: Duration = defaultConnectTimeout)
        -> HTTPClient.Configuration
    {
        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = tls
        configuration.timeout.connect = .nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000)
        // The client's pool would try a refused connection again and again until the connect
        // timeout: the attempt fails at once instead, and the job's retry policy decides.
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    public let method: String
    public let url: String
    /// Extra headers, in the order given.
    public let headers: [(name: String, value: String)]
    /// The JSON body, when any.
    public let requestBody: HTTPBodyTemplate?
    /// The statuses that succeed (default 200-299).
    public let success: [ClosedRange<Int>]
    /// A PEM file of the CA to trust for `https`, instead of the system's.
    public let caFile: String?
    /// What the answer must say for the attempt to succeed.
    public let answerRule: HTTPAnswerRule
    /// How long connecting may take.
    public let connectTimeout: Duration

    /// A job calling `url` with `method`.
    public init(
        method: String = "POST", url: String, headers: [(name: String, value: String)] = [], body: HTTPBodyTemplate? = nil,
        success: [ClosedRange<Int>] = [200...299], caFile: String? = nil, answerRule: HTTPAnswerRule = .conventional,
        connectTimeout: Duration = defaultConnectTimeout
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.requestBody = body
        self.success = success
        self.caFile = caFile
        self.answerRule = answerRule
        self.connectTimeout = connectTimeout
    }

    /// The work, for ``Job``.
    public var body: Job.Body {
        { context in try await self.call(context: context) }
    }

    private func call(context: JobContext) async throws -> JSONObject {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for header in headers { request.headers.add(name: header.name, value: header.value) }
        request.headers.replaceOrAdd(name: "Idempotency-Key", value: context.runID.lowercasedText)
        request.headers.replaceOrAdd(name: "Nightshift-Run", value: context.runID.lowercasedText)
        request.headers.replaceOrAdd(name: "Nightshift-Attempt", value: "\(context.attempt)")
        if let requestBody {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: requestBody.render(for: context).jsonText))
        }
        let client = try makeClient()
        let owned = client !== Self.sharedClient
        let outcome: Result<(status: Int, retryAfter: String?, answer: ByteBuffer), any Error>
        do {
            // The attempt's timeout cancels this task, and with it the request.
            let response = try await client.execute(request, timeout: .hours(24))
            outcome = .success(
                (Int(response.status.code), response.headers.first(name: "Retry-After"), try await Self.read(response.body)))
        } catch {
            outcome = .failure(error)
        }
        if owned { try? await client.shutdown() }
        let (status, retryAfter, answer): (Int, String?, ByteBuffer)
        switch outcome {
        case .success(let value): (status, retryAfter, answer) = value
        case .failure(let error):
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            throw HTTPJobError.unreachable(url: URLPasswordMask.mask(url), reason: Self.reason(error))
        }
        let text = String(buffer: answer)
        guard success.contains(where: { $0.contains(status) }) else {
            let body = String(text.prefix(1024))
            if status >= 500 || status == 408 || status == 429 {
                throw HTTPJobError.serverError(status: status, body: body, retryAfter: retryAfter.flatMap(Self.delay))
            }
            throw HTTPJobError.refused(status: status, body: body)
        }
        let parsed = try? JSONValue(parsing: text)
        if let failure = answerRule.failure(in: parsed) {
            throw HTTPJobError.failedAnswer(status: status, reason: failure)
        }
        if case .object(let object) = parsed {
            for key in ["result", "details"] { if case .object(let inner) = object[key] { return inner } }
            return object
        }
        return ["status": .number(Double(status)), "body": .string(String(text.prefix(1024)))]
    }

    /// The shared client, or one trusting `caFile` or with a connect timeout of the job's own
    /// (shut down after the request).
    private func makeClient() throws -> HTTPClient {
        guard caFile != nil || connectTimeout != Self.defaultConnectTimeout else { return Self.sharedClient }
        var tls: TLSConfiguration?
        if let caFile {
            var configuration = TLSConfiguration.makeClientConfiguration()
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw HTTPJobError.unreachable(
                    url: URLPasswordMask.mask(url), reason: "cannot read the CA file \(caFile): \(error)")
            }
            tls = configuration
        }
        return HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: Self.clientConfiguration(tls: tls, connectTimeout: connectTimeout))
    }

    /// The timeout of an `http` job whose config sets none.
    public static let defaultTimeout: Duration = .seconds(600)
    /// The longest `Retry-After` honoured, in seconds: a server asking for a day holds the run
    /// back an hour, and the retry policy goes on from there.
    static let longestRetryAfter = 3600

    /// A `Retry-After` value as a wait (at most ``longestRetryAfter``): seconds, or an HTTP
    /// date; nil when it is neither.
    static func delay(_ value: String) -> Duration? {
        if let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 {
            return .seconds(min(seconds, longestRetryAfter))
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .seconds(min(Double(longestRetryAfter), max(0, date.timeIntervalSinceNow)))
    }

    /// At most ``maximumAnswerBytes`` of `body`.
    private static func read(_ body: HTTPClientResponse.Body) async throws -> ByteBuffer {
        var buffer = ByteBuffer()
        for try await chunk in body where buffer.readableBytes < maximumAnswerBytes {
            var chunk = chunk
            buffer.writeBuffer(&chunk)
        }
        return buffer
    }

    /// A connection failure in words.
    private static func reason(_ error: any Error) -> String {
        let text = String(describing: error)
        let lowered = text.lowercased()
        if lowered.contains("certificate") || lowered.contains("handshake") || lowered.contains("ssl") {
            return "TLS: \(text) (a certificate not signed by a trusted CA? give its CA with ca:)"
        }
        if lowered.contains("connection refused") { return "connection refused: nothing listens there" }
        return text
    }
}
