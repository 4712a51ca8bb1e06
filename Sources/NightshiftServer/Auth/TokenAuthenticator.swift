import Nightshift
import HTTPTypes
import Hummingbird

/// Finds the token of a request and checks its role. Secrets are compared in constant time and
/// never logged or echoed.
struct TokenAuthenticator: Sendable {
    let tokens: [APIToken]

    /// The caller's token if it has one of `roles` (``APIRole/readers``, ``APIRole/actors``,
    /// ``APIRole/triggerers``); throws 401 for no or an unknown token and 403
    /// `{"error":"Insufficient permissions"}` for a known token without the role.
    func authorize(_ request: Request, roles: Set<APIRole>) throws(APIError) -> APIToken {
        guard let token = token(of: request) else { throw APIError.unauthorized }
        guard roles.contains(token.role) else { throw APIError.forbidden }
        return token
    }

    /// The caller's token if it has one of `roles` and may act on `job`: a token scoped to
    /// other jobs gets 403 naming the ones it may act on.
    func authorize(_ request: Request, roles: Set<APIRole>, job: String) throws(APIError) -> APIToken {
        let token = try authorize(request, roles: roles)
        try Self.check(token, mayActOn: job)
        return token
    }

    /// Throws 403 unless `token` may act on `job`.
    static func check(_ token: APIToken, mayActOn job: String) throws(APIError) {
        guard let scope = token.jobs, !scope.contains(job) else { return }
        // A token scoped to no job at all is told no more than a token without the role.
        guard !scope.isEmpty else { throw APIError.forbidden }
        throw APIError(
            .forbidden, "this token may act only on \(scope.sorted().map { "'\($0)'" }.joined(separator: ", "))", field: "job")
    }

    /// The known token the request presents, if any.
    func token(of request: Request) -> APIToken? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return token(presented: String(parts[1]))
    }

    /// The token whose secret is `secret`, if any (the dashboard's sign-in form).
    func token(presented secret: String) -> APIToken? {
        let presented = Array(secret.utf8)
        var match: APIToken?
        // Every token is compared, and each comparison touches every byte, so the time taken
        // says nothing about which token, or how much of one, was guessed.
        for token in tokens where Self.constantTimeEquals(token.secret, presented) {
            match = token
        }
        return match
    }

    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
