import Foundation

/// One occurrence of a condition on one subject, from when it was seen to when it cleared.
///
/// At most one incident per subject and condition is open at a time: the store's unique index
/// says so, not the memory of an instance.
public struct Incident: Equatable, Sendable {
    /// Where the incident belongs: a job's name, a queue's name, or `scheduler` for `no_leader`.
    public var subject: String
    /// The condition seen.
    public var condition: IncidentCondition
    /// The incident's id (a version 7 UUID).
    public var id: UUID
    /// When it opened, by the store's clock.
    public var openedAt: Date
    /// When the condition cleared; nil while open.
    public var resolvedAt: Date?
    /// What was seen, for people: consecutive failures, the last error, missed fires, the
    /// leaderless gap.
    public var detail: JSONObject

    /// An incident as the store keeps it.
    public init(
        subject: String, condition: IncidentCondition, id: UUID = .version7(), openedAt: Date, resolvedAt: Date? = nil,
        detail: JSONObject = JSONObject()
    ) {
        self.subject = subject
        self.condition = condition
        self.id = id
        self.openedAt = openedAt
        self.resolvedAt = resolvedAt
        self.detail = detail
    }

    /// Whether it is still open.
    public var isOpen: Bool { resolvedAt == nil }

    /// The job it is about, for job conditions.
    public var job: String? {
        switch condition {
        case .failing, .stuck, .dead, .overdue, .missed: return subject
        case .noLeader, .backlog: return nil
        }
    }

    /// The queue it is about, for `backlog`.
    public var queue: String? { condition == .backlog ? subject : nil }
}
