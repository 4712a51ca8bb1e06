import Foundation
import Nightshift

/// The `server:` section: where the admin API listens and who may call it.
///
/// ```yaml
/// server:
///   host: 127.0.0.1
///   port: 8080
///   wait_timeout: 30s        # how long POST /api/jobs/run/{name} waits before answering 202
///   metrics_auth: false      # true: /metrics needs a token too
///   tokens:
///     - { name: ops,  role: admin,   env: NIGHTSHIFT_ADMIN_TOKEN }
///     - { name: cron, role: trigger, env: CRON_SECRET, jobs: [telemetry-daily], allow_get: true }
/// ```
///
/// A token with `jobs:` may act on those jobs only; `allow_get: true` lets it trigger with
/// `GET /api/jobs/run/{name}`, for outside schedulers that only send GET (Vercel Cron).
public struct ServerSettings: Sendable {
    /// One token: its name (recorded as `triggered_by`), its role, and the variable holding it.
    public struct TokenSetting: Sendable {
        public let name: String
        public let role: APIRole
        public let environmentVariable: String
        /// The jobs it may act on; nil: all.
        public let jobs: [String]?
        /// Whether it may trigger with GET.
        public let allowGet: Bool
        let file: String
        let line: Int?
    }

    public var host = "127.0.0.1"
    public var port = 8080
    public var waitTimeout: Duration = .seconds(30)
    public var metricsRequireToken = false
    public var tokens: [TokenSetting] = []
    /// The address people reach this Nightshift at (`public_url`), for links in alerts.
    public var publicURL: String?
    /// Whether `serve` serves the dashboard (`dashboard: false` turns it off).
    public var dashboard = true
    /// Where the dashboard is served (`dashboard_path`, such as `/nightshift` behind a reverse
    /// proxy); empty for `/`.
    public var dashboardPath = ""
    /// The key dashboard sessions are signed with (`session_secret`), shared by instances behind
    /// one address; nil: a random key per start.
    public var sessionSecret: String?

    /// The defaults: 127.0.0.1:8080, no tokens.
    public init() {}

    init(node: ConfigNode) throws(ConfigError) {
        let fields = try ConfigFields(node)
        host = try fields["host"]?.string() ?? host
        port = try fields["port"]?.int(in: 1...65535) ?? port
        waitTimeout = try fields["wait_timeout"]?.duration() ?? waitTimeout
        metricsRequireToken = try fields["metrics_auth"]?.bool() ?? metricsRequireToken
        publicURL = try fields["public_url"].map { node throws(ConfigError) in try HTTPSettings.url(node) }
        dashboard = try fields["dashboard"]?.bool() ?? dashboard
        if let node = fields["dashboard_path"] {
            let text = try node.string()
            guard text.hasPrefix("/"), !text.contains("?"), !text.contains("#"), !text.contains(" ") else {
                throw node.error("'\(text)' is not a path such as /nightshift")
            }
            dashboardPath = text == "/" ? "" : text
        }
        sessionSecret = try fields["session_secret"].map { node throws(ConfigError) in
            let secret = try node.string()
            guard secret.utf8.count >= 32 else { throw node.error("a session secret needs at least 32 characters") }
            return secret
        }
        for item in try fields["tokens"]?.sequence() ?? [] {
            let token = try ConfigFields(item)
            guard let nameNode = token["name"], let roleNode = token["role"], let envNode = token["env"] else {
                throw item.error("a token needs name, role and env")
            }
            let jobs = try token["jobs"]?.sequence().map { node throws(ConfigError) in try node.string() }
            let allowGet = try token["allow_get"]?.bool() ?? false
            try token.finish()
            let role = try roleNode.choice(APIRole.self)
            let tokenName = try nameNode.string()
            guard !tokens.contains(where: { $0.name == tokenName }) else {
                throw nameNode.error("another token is already named '\(tokenName)'")
            }
            tokens.append(
                TokenSetting(
                    name: tokenName, role: role, environmentVariable: try envNode.string(), jobs: jobs, allowGet: allowGet,
                    file: envNode.file, line: envNode.line))
        }
        try fields.finish()
    }

    /// Errors for tokens whose `jobs:` name a job that is not in `jobNames`.
    func unknownJobs(of jobNames: Set<String>) -> [ConfigError] {
        tokens.compactMap { token in
            guard let unknown = token.jobs?.filter({ !jobNames.contains($0) }), !unknown.isEmpty else { return nil }
            return ConfigError(
                file: token.file, line: token.line, key: "server.tokens.\(token.name).jobs",
                reason: "no job named \(unknown.map { "'\($0)'" }.joined(separator: ", ")) in the config")
        }
    }

    /// The tokens' secrets from `environment`; throws naming the config line of a token whose
    /// variable is unset, empty, or shorter than ``shortestTokenSecret``.
    public func resolveTokens(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError)
        -> [(setting: TokenSetting, secret: String)]
    {
        var resolved: [(setting: TokenSetting, secret: String)] = []
        for token in tokens {
            guard let secret = environment[token.environmentVariable], !secret.isEmpty else {
                throw ConfigError(
                    file: token.file, line: token.line, key: "server.tokens.\(token.name).env",
                    reason: "environment variable \(token.environmentVariable) is not set; it holds the token of '\(token.name)'")
            }
            // A short secret is guessed: a one-character admin token was accepted.
            guard secret.count >= Self.shortestTokenSecret else {
                throw ConfigError(
                    file: token.file, line: token.line, key: "server.tokens.\(token.name).env",
                    reason:
                        "the token of '\(token.name)' in \(token.environmentVariable) is too short (\(secret.count) of at least \(Self.shortestTokenSecret) characters); use a random one, for example the output of `openssl rand -hex 24`"
                )
            }
            resolved.append((token, secret))
        }
        return resolved
    }

    /// The fewest characters a token's secret may have.
    public static let shortestTokenSecret = 16
}
