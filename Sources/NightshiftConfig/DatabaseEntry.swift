import Foundation
import NightshiftDatabase
import NightshiftRedis

/// A database URL in the config: a plain URL, or `{url: …, password_file: …}` to keep the
/// password out of the config (a mounted secret, such as `/run/secrets/db-password`).
enum DatabaseEntry {
    /// The URL of `node`, with the password of its `password_file` when it names one; an
    /// `sqlite:` file path relative to the config file's folder.
    static func url(_ node: ConfigNode) throws(ConfigError) -> String {
        let url = ConfigNode.resolvingSQLitePath(try entryURL(node), against: node.file)
        guard !node.readsUnsetVariable else { return url }
        // Checked here, so that every command (and `check` first) names the line; a bad
        // scheme was accepted by `check` and refused by `serve` only.
        do {
            _ = try DatabaseURL(url)
        } catch {
            throw node.error("\(error)")
        }
        return url
    }

    /// A `redis:` entry's URL, checked as the Redis client reads it.
    static func redisURL(_ node: ConfigNode) throws(ConfigError) -> String {
        let url = try node.string()
        guard !node.readsUnsetVariable else { return url }
        do {
            _ = try RedisURL(url)
        } catch {
            throw node.error("\(error)")
        }
        return url
    }

    private static func entryURL(_ node: ConfigNode) throws(ConfigError) -> String {
        guard node.node.mapping != nil else { return try node.string() }
        let fields = try ConfigFields(node)
        let urlNode = try fields.required("url", "needs 'url' (and optionally 'password_file')")
        let url = try urlNode.string()
        guard let fileNode = fields["password_file"] else {
            try fields.finish()
            return url
        }
        try fields.finish()
        let path = try fileNode.path()
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fileNode.error("cannot read the password file '\(path)'")
        }
        // A file written with `echo` ends with a newline that is not part of the password.
        let password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        guard !password.isEmpty else { throw fileNode.error("the password file '\(path)' is empty") }
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"), var components = URLComponents(string: url) else {
            throw fileNode.error("password_file is for postgres:// URLs")
        }
        guard components.password == nil else { throw fileNode.error("the URL has a password already; give one or the other") }
        components.password = password
        guard let text = components.string else { throw urlNode.error("cannot add the password to this URL") }
        return text
    }
}
