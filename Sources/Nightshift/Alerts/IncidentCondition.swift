/// What an incident is about: a job's, a queue's or the cluster's condition that someone should
/// hear of.
public enum IncidentCondition: String, Sendable, Codable, CaseIterable {
    /// Consecutive failures of a job reached its `alert_after_failures`.
    case failing
    /// A run of the job is still running past its timeout.
    case stuck
    /// A running run of the job stopped heartbeating: its worker is gone.
    case dead
    /// The job has not succeeded within its `expect_success_within`.
    case overdue
    /// Fires of the job were never run (dropped by the catch-up policy or the starting deadline,
    /// or skipped under `overlap: forbid`).
    case missed
    /// No instance held the scheduler lease for longer than two lease periods.
    case noLeader = "no_leader"
    /// A queue's oldest queued run is older than the queue's `alert_backlog_age`.
    case backlog
}
