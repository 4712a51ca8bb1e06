import Nightshift

/// A bearer token: its name (recorded as `triggered_by`), its role and its secret.
public struct APIToken: Sendable {
    public let name: String
    public let role: APIRole
    let secret: [UInt8]

    /// The secret as sent in `Authorization: Bearer <secret>`.
    public var bearer: String { String(decoding: secret, as: UTF8.self) }

    /// A token named `name` with `role`, presented as `Authorization: Bearer <secret>`.
    public init(name: String, role: APIRole, secret: String) {
        self.name = name
        self.role = role
        self.secret = Array(secret.utf8)
    }
}
