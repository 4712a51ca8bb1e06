import Crypto
import Foundation
import Nightshift

/// `kind: webhook`: the event's JSON `POST`ed to a URL, signed when a secret is set.
///
/// Headers: `Idempotency-Key` (the notification's id, the same on every retry),
/// `Nightshift-Event` (`failing.open`, …) and, with a secret, `Nightshift-Signature:
/// sha256=<hex HMAC-SHA256 of the body>`.
public struct WebhookChannel: AlertChannel {
    public let name: String
    private let http: AlertHTTP
    private let secret: String?

    /// A webhook to `url`; `caFile` adds a CA to trust (a private receiver's certificate).
    public init(name: String, url: String, secret: String?, timeout: Duration = .seconds(10), caFile: String? = nil) {
        self.name = name
        self.secret = secret
        http = AlertHTTP(channel: name, url: url, timeout: timeout, caFile: caFile)
    }

    public func deliver(_ event: AlertEvent, payload: String, notificationID: UUID) async throws {
        var headers = [
            ("Idempotency-Key", notificationID.lowercasedText), ("Nightshift-Event", "\(event.event).\(event.state.rawValue)"),
        ]
        if let secret { headers.append(("Nightshift-Signature", "sha256=\(Self.signature(of: payload, secret: secret))")) }
        try await http.post(payload, headers: headers)
    }

    /// The hex HMAC-SHA256 of `body` with `secret`: what `Nightshift-Signature` carries after
    /// `sha256=`. Receivers compute the same over the raw body and compare in constant time.
    public static func signature(of body: String, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }
}
