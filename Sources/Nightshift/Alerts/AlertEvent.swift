import Foundation

/// The JSON document every channel receives about an incident opening or resolving: a webhook's
/// body, a command's standard input, and what a Slack message is written from.
public struct AlertEvent: Codable, Equatable, Sendable {
    /// The condition (`failing`, `stuck`, `dead`, `overdue`, `missed`, `no_leader`, `backlog`),
    /// or `test` for `nightshift alerts test`.
    public var event: String
    /// `open` or `resolved`.
    public var state: IncidentChange.Transition
    /// The incident's id.
    public var incident: String
    /// The job, for job conditions.
    public var job: String?
    /// The queue, for `backlog`.
    public var queue: String?
    /// The job's health when the event was written.
    public var health: JobHealth?
    /// The job's consecutive failures when the event was written.
    public var consecutiveFailures: Int?
    /// The job's last error.
    public var lastError: String?
    /// The run it concerns (the job's running run for `stuck` and `dead`, else its last finished
    /// one), as the API shows runs.
    public var run: RunReport?
    /// One sentence for people.
    public var summary: String
    /// What was seen (missed fires and their reason, the leaderless gap, the backlog's age).
    public var detail: JSONObject
    /// When it happened (ISO 8601).
    public var at: String
    /// The instance that wrote it.
    public var instance: String
    /// A link to the run, or the job, under `server.public_url` when it is set.
    public var url: String?

    /// An event.
    public init(
        event: String, state: IncidentChange.Transition, incident: String, job: String? = nil, queue: String? = nil,
        health: JobHealth? = nil, consecutiveFailures: Int? = nil, lastError: String? = nil, run: RunReport? = nil,
        summary: String, detail: JSONObject = JSONObject(), at: String, instance: String, url: String? = nil
    ) {
        self.event = event
        self.state = state
        self.incident = incident
        self.job = job
        self.queue = queue
        self.health = health
        self.consecutiveFailures = consecutiveFailures
        self.lastError = lastError
        self.run = run
        self.summary = summary
        self.detail = detail
        self.at = at
        self.instance = instance
        self.url = url
    }

    /// The event as its notifications carry it: compact JSON, keys sorted, so the same event is
    /// always the same text.
    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain fields cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The event a notification carries.
    public static func decoded(from payload: String) throws -> AlertEvent {
        try JSONDecoder().decode(AlertEvent.self, from: Data(payload.utf8))
    }
}
