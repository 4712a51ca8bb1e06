import Foundation

/// What alerts need from the store: incidents, their outbox of notifications, and the few reads
/// that conditions are judged on beyond jobs' states.
public protocol AlertStore: Sendable {
    /// Incidents, newest first: the open ones only, or all (at most `limit`).
    func incidents(openOnly: Bool, limit: Int) async throws -> [Incident]
    /// Applies openings and resolutions, each with its notifications, in one transaction, and
    /// returns those that took effect. An opening whose subject and condition already has an open
    /// incident, or a resolution of an incident no longer open, takes no effect and writes no
    /// notification (its `missedFires` and `leaderGapFrom` are still accounted for).
    func apply(_ changes: [IncidentChange]) async throws -> [IncidentChange]
    /// Notifications neither delivered nor given up whose `deliverAfter` has come, oldest first.
    func dueNotifications(limit: Int) async throws -> [AlertNotification]
    /// Records how a delivery attempt of notification `id` ended.
    func recordDelivery(_ id: UUID, outcome: DeliveryOutcome) async throws
    /// The notifications of one incident, oldest first.
    func notifications(of incidentID: UUID) async throws -> [AlertNotification]
    /// The lease named `name`, held or not; nil when none was ever taken.
    func lease(_ name: String) async throws -> LeaseState?
}
