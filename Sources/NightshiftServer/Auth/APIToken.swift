import Nightshift

/// A bearer token: its name (recorded as `triggered_by`), its role and its secret.
public struct APIToken: Sendable {
    public let name: String
    public let role: APIRole
    let secret: [UInt8]

    /// The secret as sent in `Authorization: Bearer <secret>`.
    public var bearer: String { String(decoding: secret, as: UTF8.self) }

    /// The jobs it may act on; nil: all.
    public let jobs: Set<String>?
    /// Whether it may trigger with `GET /api/jobs/run/{name}`.
    public let allowGet: Bool

    /// A token named `name` with `role`, presented as `Authorization: Bearer <secret>`; with
    /// `jobs`, it may act on those jobs only; with `allowGet`, it may trigger with GET.
    public init(name: String, role: APIRole, secret: String, jobs: Set<String>? = nil, allowGet: Bool = false) {
        self.name = name
        self.role = role
        self.secret = Array(secret.utf8)
        self.jobs = jobs
        self.allowGet = allowGet
    }
}
