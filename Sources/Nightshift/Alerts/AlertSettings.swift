import Foundation

/// The `alerts:` section as the engine uses it: channels, routes, and how often conditions are
/// judged.
public struct AlertSettings: Sendable {
    /// The channels by name.
    public var channels: [String: any AlertChannel]
    /// Which events go where; empty: every event to every channel.
    public var routes: [AlertRoute]
    /// How often the leader judges conditions and delivers due notifications.
    public var checkInterval: Duration
    /// How long a notification is retried before it is recorded as failed.
    public var giveUpAfter: Duration
    /// Per queue, how old its oldest queued run may get before a `backlog` incident opens.
    public var backlogAges: [String: Duration]
    /// The address people reach this Nightshift at (`server.public_url`), for links in alerts.
    public var publicURL: String?

    /// Settings; without channels incidents are still opened and resolved, and only shown.
    public init(
        channels: [String: any AlertChannel] = [:], routes: [AlertRoute] = [], checkInterval: Duration = .seconds(5),
        giveUpAfter: Duration = .seconds(86_400), backlogAges: [String: Duration] = [:], publicURL: String? = nil
    ) {
        self.channels = channels
        self.routes = routes
        self.checkInterval = checkInterval
        self.giveUpAfter = giveUpAfter
        self.backlogAges = backlogAges
        self.publicURL = publicURL
    }

    /// The channels an incident of `condition` about `job` goes to, in name order.
    public func channels(for condition: IncidentCondition, job: String?) -> [String] {
        guard !routes.isEmpty else { return channels.keys.sorted() }
        var names: Set<String> = []
        for route in routes where route.matches(condition, job: job) { names.formUnion(route.channels) }
        return names.filter { channels[$0] != nil }.sorted()
    }

    /// How long to wait before delivery attempt `attempt + 1` after `attempt` failed: 5 s
    /// doubling, at most 10 minutes.
    public static func retryDelay(afterAttempt attempt: Int) -> Duration {
        let seconds = 5.0 * pow(2.0, Double(min(max(attempt, 1), 16) - 1))
        return .seconds(min(seconds, 600))
    }
}
