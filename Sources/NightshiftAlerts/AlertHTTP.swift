import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Nightshift

/// The HTTP side of the webhook and Slack channels: one `POST` of a JSON body, with certificate
/// checks, a timeout, and an error that names the channel and the answer but never the URL
/// (webhook URLs often carry their secret).
struct AlertHTTP: Sendable {
    let channel: String
    let url: String
    let timeout: Duration
    /// The CA to trust instead of the system's, when the channel names one.
    let tls: TLSConfiguration?

    /// The client shared by channels without their own CA: a 10 s connect timeout.
    static let sharedClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration())

    /// A poster to `url`, trusting the certificates in `caFile` when given.
    init(channel: String, url: String, timeout: Duration, caFile: String?) {
        self.channel = channel
        self.url = url
        self.timeout = timeout
        tls = caFile.map { file in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(file)
            return tls
        }
    }

    private static func configuration(tls: TLSConfiguration? = nil) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = tls
        configuration.timeout.connect = .seconds(10)
        // The outbox tries again later: no second try at a refused connection meanwhile, and
        // no redirect, which would send the signed event somewhere the config does not name.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        return configuration
    }

    /// Posts `body`; returns when the receiver answered 2xx, throws otherwise.
    func post(_ body: String, headers: [(String, String)]) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "nightshift-alerts")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        // A channel with its own CA gets a client per delivery (alerts are rare), shut down after
        // it: a client must be shut down before it goes away.
        let client = tls.map { HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.configuration(tls: $0)) }
        defer { if let client { Task { try? await client.shutdown() } } }
        let response: HTTPClientResponse
        let deadline = ContinuousClock.now + timeout
        do {
            response = try await (client ?? Self.sharedClient).execute(request, timeout: .seconds(timeout.components.seconds))
        } catch {
            throw AlertChannelError(channel: channel, reason: "the request failed: \(Self.describe(error))")
        }
        // The client's deadline covers the answer's head only: a receiver that never sends the
        // body would hold this delivery, and every delivery and check after it, for good.
        let reading = Task { try? await response.body.collect(upTo: 64 * 1024) }
        let answer = await reading.value(within: max(.zero, deadline - ContinuousClock.now)) ?? nil
        reading.cancel()
        // At most 1 KiB of the answer is kept, for the error.
        let text = answer.map { String(buffer: $0).prefix(1024) } ?? ""
        guard (200..<300).contains(response.status.code) else {
            throw AlertChannelError(
                channel: channel,
                reason: "the receiver answered \(response.status.code)\(text.isEmpty ? "" : ": \(text.prefix(200))")")
        }
    }

    /// An HTTP client error in words, without the URL.
    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connecting timed out"
            case .deadlineExceeded, .readTimeout: return "no answer in time"
            case .remoteConnectionClosed: return "the receiver closed the connection"
            default: return "\(error)"
            }
        }
        if error is NIOSSLError { return "TLS failed (\(error)); is the receiver's certificate trusted? (a 'ca:' file)" }
        return "\(error)"
    }
}

/// A delivery a channel could not make.
public struct AlertChannelError: Error, CustomStringConvertible, Sendable {
    /// The channel's name.
    public var channel: String
    /// What went wrong, without secrets.
    public var reason: String

    public var description: String { "alert channel '\(channel)': \(reason)" }
}
