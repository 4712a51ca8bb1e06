import Foundation

/// An incident opening or resolving, with the notifications it sends: what the alert monitor
/// asks the store to apply in one transaction.
public struct IncidentChange: Equatable, Sendable {
    /// Whether the incident opens or resolves.
    public enum Transition: String, Equatable, Sendable, Codable {
        /// The condition was seen.
        case open
        /// The condition cleared.
        case resolved
    }

    /// The incident: for an opening, the new one; for a resolution, the open one.
    public var incident: Incident
    /// Open or resolved.
    public var transition: Transition
    /// When it happened.
    public var at: Date
    /// The notifications to write with it (one per channel routed to).
    public var notifications: [AlertNotification]
    /// For `missed`: how many of the job's counted missed fires this opening accounts for; the
    /// store takes them off the job's count in the same transaction, also when an incident was
    /// already open.
    public var missedFires: Int
    /// For `no_leader`: the start of the leaderless gap this accounts for; the store clears it
    /// from the lease in the same transaction.
    public var leaderGapFrom: Date?

    /// A change; `notifications` are usually added by the monitor after routing.
    public init(
        incident: Incident, transition: Transition, at: Date, notifications: [AlertNotification] = [], missedFires: Int = 0,
        leaderGapFrom: Date? = nil
    ) {
        self.incident = incident
        self.transition = transition
        self.at = at
        self.notifications = notifications
        self.missedFires = missedFires
        self.leaderGapFrom = leaderGapFrom
    }
}
