import Foundation
import Nightshift

/// Where a Redis server is and how to log in: `redis://[[user]:password@]host[:port][/db]`.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    /// The host name or address.
    public var host: String
    /// The port, 6379 unless given.
    public var port: Int
    /// The ACL user for `AUTH`, if any.
    public var user: String?
    /// The password for `AUTH`, if any.
    public var password: String?
    /// The database number for `SELECT`.
    public var database: Int

    /// Reads `text`; throws ``RedisError/invalidURL(_:reason:)`` naming what is wrong.
    public init(_ text: String) throws(RedisError) {
        guard let components = URLComponents(string: text), components.scheme == "redis" else {
            throw .invalidURL(URLPasswordMask.mask(text), reason: "expected redis://host[:port][/db]")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL(URLPasswordMask.mask(text), reason: "no host") }
        self.host = host
        port = components.port ?? 6379
        user = components.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding }
        password = components.password?.removingPercentEncoding
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if path.isEmpty {
            database = 0
        } else if let number = Int(path), number >= 0 {
            database = number
        } else {
            throw .invalidURL(URLPasswordMask.mask(text), reason: "'\(path)' is not a database number")
        }
    }

    /// The URL with the password masked, for logs and errors.
    public var description: String {
        let login = password == nil ? (user.map { "\($0)@" } ?? "") : "\(user ?? ""):***@"
        return "redis://\(login)\(host):\(port)/\(database)"
    }
}
