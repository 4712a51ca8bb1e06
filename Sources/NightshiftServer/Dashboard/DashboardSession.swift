import Crypto
import Foundation
import Nightshift

/// A signed-in person: the token's name and role, until when, and the CSRF token every form of
/// the session carries. Kept in a cookie signed with HMAC-SHA256, so any instance sharing the
/// secret accepts it; the store keeps only the sessions ended by signing out.
struct DashboardSession: Codable, Equatable, Sendable {
    /// The token's name, recorded with every action.
    var name: String
    /// The token's role.
    var role: APIRole
    /// The jobs the token may act on; nil for all.
    var jobs: Set<String>?
    /// When the session ends (Unix seconds).
    var expires: Double
    /// The token every form of this session must send back.
    var csrf: String
    /// The signed-in token's fingerprint (``fingerprint(of:secret:)``): a session ends when its
    /// token is rotated or removed from the config, whatever the cookie says.
    var token: String

    /// The cookie's name.
    static let cookieName = "nightshift_session"

    /// The session's name in the store's list of ended sessions: a hash of its CSRF token, which
    /// is random and its own.
    var id: String { SHA256.hash(data: Data(csrf.utf8)).map { String(format: "%02x", $0) }.joined() }

    /// Whether the session may change things (run, pause, retry, cancel).
    var mayAct: Bool { APIRole.actors.contains(role) }

    /// A keyed hash of `token`'s secret: it tells whether the token is still the one signed in
    /// with, and, keyed with the server's secret, says nothing of the token to whoever reads
    /// the cookie.
    static func fingerprint(of token: APIToken, secret: SymmetricKey) -> String {
        base64url(Data(HMAC<SHA256>.authenticationCode(for: token.secret, using: secret)))
    }

    /// Whether the session may act on `job`.
    func mayAct(on job: String) -> Bool { mayAct && (jobs.map { $0.contains(job) } ?? true) }

    /// The cookie value: the session as base64url JSON, a dot, and its signature.
    func cookieValue(secret: SymmetricKey) -> String {
        let payload = Self.base64url((try? JSONEncoder().encode(self)) ?? Data())
        return payload + "." + Self.signature(of: payload, secret: secret)
    }

    /// The session a cookie value holds, when its signature is right and it has not expired.
    static func verify(_ value: String, secret: SymmetricKey, now: Date) -> DashboardSession? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count < 4096 else { return nil }
        let payload = String(parts[0])
        let expected = Array(signature(of: payload, secret: secret).utf8)
        guard TokenAuthenticator.constantTimeEquals(expected, Array(parts[1].utf8)),
            let data = Data(base64urlEncoded: payload),
            let session = try? JSONDecoder().decode(DashboardSession.self, from: data),
            session.expires > now.timeIntervalSince1970
        else { return nil }
        return session
    }

    private static func signature(of payload: String, secret: SymmetricKey) -> String {
        base64url(Data(HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: secret)))
    }

    private static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// 32 random bytes, hex: a CSRF token.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}

extension Data {
    /// Decodes base64url without padding.
    fileprivate init?(base64urlEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}
