import Foundation

/// An incident as `nightshift incidents --json` and `GET /api/incidents` show it, with its
/// notifications' delivery (never their payloads' destinations).
public struct IncidentReport: Codable, Equatable, Sendable {
    /// One notification's delivery.
    public struct NotificationReport: Codable, Equatable, Sendable {
        public var id: String
        public var channel: String
        /// `open` or `resolved`: which transition it tells of.
        public var state: String
        public var attempts: Int
        public var deliveredAt: String?
        public var failedAt: String?
        public var nextAttemptAt: String?
        public var lastError: String?
    }

    public var id: String
    public var condition: IncidentCondition
    public var subject: String
    public var job: String?
    public var queue: String?
    public var openedAt: String
    public var resolvedAt: String?
    public var detail: JSONObject
    public var notifications: [NotificationReport]

    /// The report of `incident` and its `notifications`.
    public init(_ incident: Incident, notifications: [AlertNotification]) {
        id = incident.id.lowercasedText
        condition = incident.condition
        subject = incident.subject
        job = incident.job
        queue = incident.queue
        openedAt = ISO8601Format.string(from: incident.openedAt)
        resolvedAt = incident.resolvedAt.map(ISO8601Format.string(from:))
        detail = incident.detail
        self.notifications = notifications.map { notification in
            let pending = notification.deliveredAt == nil && notification.failedAt == nil
            return NotificationReport(
                id: notification.id.lowercasedText, channel: notification.channel,
                state: (try? AlertEvent.decoded(from: notification.payload).state.rawValue) ?? "?",
                attempts: notification.attempts, deliveredAt: notification.deliveredAt.map(ISO8601Format.string(from:)),
                failedAt: notification.failedAt.map(ISO8601Format.string(from:)),
                nextAttemptAt: pending ? ISO8601Format.string(from: notification.deliverAfter) : nil,
                lastError: notification.lastError)
        }
    }

    /// The newest incidents (open ones only unless `all`), at most `limit`, with their
    /// notifications.
    public static func list(store: any AlertStore, all: Bool, limit: Int) async throws -> [IncidentReport] {
        var reports: [IncidentReport] = []
        for incident in try await store.incidents(openOnly: !all, limit: limit) {
            reports.append(IncidentReport(incident, notifications: try await store.notifications(of: incident.id)))
        }
        return reports
    }
}

/// `{incidents: [...]}`.
public struct IncidentListReport: Codable, Equatable, Sendable {
    public var incidents: [IncidentReport]

    /// The list.
    public init(incidents: [IncidentReport]) { self.incidents = incidents }
}
