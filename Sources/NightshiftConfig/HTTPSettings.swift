import Foundation
import Nightshift
import NightshiftJobKinds

/// The keys of an `http` job:
///
/// ```yaml
/// cleanup-logs:
///   kind: http
///   method: POST                                   # default POST
///   url: "https://api.example.com/admin/cleanup-logs"
///   headers: { Authorization: "Bearer ${API_KEY}" }
///   body: { dryRun: "{{dryRun}}", from: "{{window.from}}", to: "{{window.to}}" }
///   success: [200-299]                             # default
///   success_when: conventional                     # default: {"success": false} or {"ok": false} fails
///   # success_when: { field: /data/state, equals: done }, or off: the status alone decides
///   ca: /etc/ssl/internal-ca.pem                    # optional: trust this CA instead of the system's
///   connect_timeout: 10s                           # default
/// ```
enum HTTPSettings {
    static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    static func job(_ fields: ConfigFields) throws(ConfigError) -> HTTPJob {
        let url = try Self.url(try fields.required("url", "an http job needs 'url'"))
        var method = "POST"
        if let node = fields["method"] {
            method = try node.string().uppercased()
            guard methods.contains(method) else {
                throw node.error("'\(method)' is not one of \(methods.sorted().joined(separator: ", "))")
            }
        }
        let headers =
            try fields["headers"]?.mapping().map { entry throws(ConfigError) in
                (name: entry.name, value: try entry.value.string())
            } ?? []
        var body: HTTPBodyTemplate?
        if let node = fields["body"] {
            let value = try node.jsonValue()
            do {
                body = try HTTPBodyTemplate(value)
            } catch {
                throw node.error(error.description)
            }
        }
        var success: [ClosedRange<Int>] = [200...299]
        if let node = fields["success"] {
            success = try node.sequence().map { item throws(ConfigError) in try statusRange(item) }
        }
        return HTTPJob(
            method: method, url: url, headers: headers, body: body, success: success, caFile: try fields["ca"]?.path(),
            answerRule: try fields["success_when"].map(answerRule) ?? .conventional,
            connectTimeout: try fields["connect_timeout"]?.duration(in: 1...3600) ?? HTTPJob.defaultConnectTimeout)
    }

    /// An `http://` or `https://` URL with a host.
    static func url(_ node: ConfigNode) throws(ConfigError) -> String {
        let url = try node.string()
        guard !node.readsUnsetVariable else { return url }
        guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
            components.host?.isEmpty == false
        else { throw node.error("'\(URLPasswordMask.mask(url))' is not an http:// or https:// URL with a host") }
        return url
    }

    /// `conventional`, `off`, or `{field: /json/pointer, equals: value}`.
    private static func answerRule(_ node: ConfigNode) throws(ConfigError) -> HTTPAnswerRule {
        let expected = "success_when takes conventional, off, or {field: /json/pointer, equals: value}"
        guard node.node.mapping != nil else {
            switch try node.string() {
            case "conventional": return .conventional
            case "off": return .off
            case let word: throw node.error("'\(word)' is not a rule: \(expected)")
            }
        }
        let fields = try ConfigFields(node)
        let pointerNode = try fields.required("field", expected)
        let pointerText = try pointerNode.string()
        let pointer: JSONPointer
        do {
            pointer = try JSONPointer(pointerText)
        } catch {
            throw pointerNode.error(error.description)
        }
        let equals = try fields.required("equals", expected).jsonValue()
        try fields.finish()
        return .field(pointer, equals: equals)
    }

    /// `200`, or `200-299`.
    private static func statusRange(_ node: ConfigNode) throws(ConfigError) -> ClosedRange<Int> {
        let text = try node.string()
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard (1...2).contains(parts.count), let low = parts.first ?? nil, let high = parts.last ?? nil, low <= high,
            (100...599).contains(low), (100...599).contains(high)
        else { throw node.error("'\(text)' is not a status or a range of statuses such as 200-299") }
        return low...high
    }
}
