import Foundation
import Nightshift

/// `kind: slack`: a message to a Slack incoming webhook, with a link to the run when
/// `server.public_url` is set.
public struct SlackChannel: AlertChannel {
    public let name: String
    private let http: AlertHTTP

    /// A Slack incoming webhook at `url` (its URL is its secret: it is never logged).
    public init(name: String, url: String, timeout: Duration = .seconds(10), caFile: String? = nil) {
        self.name = name
        http = AlertHTTP(channel: name, url: url, timeout: timeout, caFile: caFile)
    }

    public func deliver(_ event: AlertEvent, payload: String, notificationID: UUID) async throws {
        try await http.post(Self.message(for: event), headers: [])
    }

    /// The incoming-webhook body: `text` (what notifications show) and the same as a section
    /// block, with the run's link.
    public static func message(for event: AlertEvent) -> String {
        let mark = event.state == .open ? ":rotating_light:" : ":white_check_mark:"
        let state = event.state == .open ? "open" : "resolved"
        var text = "\(mark) *\(escape(event.event))* \(state): \(escape(event.summary))"
        if let error = event.lastError, event.state == .open, !error.isEmpty {
            text += "\n> \(escape(String(error.prefix(300))))"
        }
        if let url = event.url { text += "\n<\(url)|\(event.run == nil ? "Details" : "Run \(event.run?.id.prefix(8) ?? "")")>" }
        let body: JSONValue = .object([
            "text": .string(text),
            "blocks": .array([.object(["type": "section", "text": .object(["type": "mrkdwn", "text": .string(text)])])]),
        ])
        return body.jsonText
    }

    /// Slack's escaping of `&`, `<` and `>` in message text.
    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
