import Foundation
import Nightshift
import NightshiftAlerts

/// The `alerts:` section:
///
/// ```yaml
/// alerts:
///   check_every: 5s                          # optional: how often conditions are judged
///   channels:
///     ops:   { kind: webhook, url: "https://hooks.example.com/nightshift", secret: "${ALERT_SECRET}" }
///     team:  { kind: slack, url: "${SLACK_WEBHOOK_URL}" }
///     pager: { kind: command, command: [/usr/local/bin/page-oncall] }
///   routes:                                  # optional; default: every event to every channel
///     - { events: [failing, dead, overdue, missed, no_leader], channels: [ops, pager] }
///     - { jobs: [telemetry-daily], channels: [team] }
/// ```
public struct AlertsConfiguration: Sendable {
    /// The channels, by name.
    public let channels: [String: any AlertChannel]
    /// The routes, in file order.
    public let routes: [AlertRoute]
    /// How often the leader judges conditions and delivers notifications.
    public let checkInterval: Duration

    /// No channels: incidents are still opened and shown.
    init() {
        channels = [:]
        routes = []
        checkInterval = .seconds(5)
    }

    init(node: ConfigNode, jobNames: Set<String>) throws(ConfigError) {
        let fields = try ConfigFields(node)
        var channels: [String: any AlertChannel] = [:]
        for (name, channelNode) in try fields["channels"]?.mapping() ?? [] {
            channels[name] = try Self.channel(named: name, channelNode)
        }
        self.channels = channels
        var routes: [AlertRoute] = []
        for routeNode in try fields["routes"]?.sequence() ?? [] {
            routes.append(try Self.route(routeNode, channels: Set(channels.keys), jobNames: jobNames))
        }
        self.routes = routes
        checkInterval = try fields["check_every"]?.duration(in: 1...3600) ?? .seconds(5)
        try fields.finish()
    }

    private static func channel(named name: String, _ node: ConfigNode) throws(ConfigError) -> any AlertChannel {
        let fields = try ConfigFields(node)
        let kindNode = try fields.required("kind", "a channel needs 'kind': webhook, slack or command")
        let kind = try kindNode.string()
        let timeout = try fields["timeout"]?.duration(in: 1...300)
        let channel: any AlertChannel
        switch kind {
        case "webhook":
            channel = WebhookChannel(
                name: name, url: try HTTPSettings.url(try fields.required("url", "a webhook channel needs 'url'")),
                secret: try fields["secret"]?.string(), timeout: timeout ?? .seconds(10), caFile: try fields["ca"]?.path())
        case "slack":
            channel = SlackChannel(
                name: name,
                url: try HTTPSettings.url(try fields.required("url", "a slack channel needs 'url' (its incoming webhook)")),
                timeout: timeout ?? .seconds(10), caFile: try fields["ca"]?.path())
        case "command":
            let commandNode = try fields.required("command", "a command channel needs 'command': [program, arguments…]")
            let command = try commandNode.sequence().map { item throws(ConfigError) in try item.string() }
            guard !command.isEmpty else { throw commandNode.error("the command is empty") }
            channel = CommandChannel(name: name, command: command, timeout: timeout ?? .seconds(30))
        default:
            throw kindNode.error("unknown channel kind '\(kind)'; use webhook, slack or command")
        }
        try fields.finish()
        return channel
    }

    private static func route(_ node: ConfigNode, channels: Set<String>, jobNames: Set<String>) throws(ConfigError) -> AlertRoute
    {
        let fields = try ConfigFields(node)
        let events = try fields["events"].map { node throws(ConfigError) in
            Set(try node.sequence().map { item throws(ConfigError) in try item.choice(IncidentCondition.self) })
        }
        let jobs = try fields["jobs"].map { node throws(ConfigError) in
            Set(
                try node.sequence().map { item throws(ConfigError) -> String in
                    let job = try item.string()
                    guard jobNames.contains(job) else { throw item.error("no job named '\(job)' in 'jobs:'") }
                    return job
                })
        }
        let channelsNode = try fields.required("channels", "a route needs 'channels'")
        let names = try channelsNode.sequence().map { item throws(ConfigError) -> String in
            let name = try item.string()
            guard channels.contains(name) else {
                throw item.error("no channel named '\(name)' in 'alerts.channels' (\(channels.sorted().joined(separator: ", ")))")
            }
            return name
        }
        try fields.finish()
        return AlertRoute(events: events, jobs: jobs, channels: names)
    }
}
