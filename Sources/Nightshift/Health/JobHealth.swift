import Foundation

/// The health of a job, derived from its control row and its runs, most urgent first.
public enum JobHealth: String, Sendable, Codable, CaseIterable {
    /// The job is disabled in the config (or `NIGHTSHIFT_ENABLED=false`).
    case disabled = "DISABLED"
    /// An operator paused it.
    case paused = "PAUSED"
    /// A running run stopped heartbeating: its worker is gone.
    case dead = "DEAD"
    /// A run is still running past its timeout.
    case stuck = "STUCK"
    /// Consecutive failed runs reached the job's `alert_after_failures`.
    case failing = "FAILING"
    /// No successful run within the job's `expect_success_within`.
    case overdue = "OVERDUE"
    /// The last finished run failed.
    case error = "ERROR"
    /// None of the above.
    case healthy = "HEALTHY"

    /// Whether `nightshift status` exits 1 for this state.
    public var isAlarming: Bool { self == .failing || self == .stuck || self == .dead || self == .overdue }

    /// Derives the health of one job. `running` summarizes its `running` runs; `lastFinished`
    /// is its newest finished run that was not skipped; `heartbeatTimeout` is how old a
    /// heartbeat may be.
    public static func derive(
        state: JobState, enabled: Bool, policies: JobPolicies, running: RunningSummary?, lastFinished: Run?,
        heartbeatTimeout: Duration, now: Date
    ) -> JobHealth {
        if !enabled || !state.enabled { return .disabled }
        if state.paused { return .paused }
        if let oldest = running?.oldestHeartbeat, now.timeIntervalSince(oldest) > heartbeatTimeout.inSeconds { return .dead }
        if let timeout = policies.timeout, let oldest = running?.oldestStart,
            now.timeIntervalSince(oldest) > (timeout + heartbeatTimeout).inSeconds
        {
            return .stuck
        }
        if state.consecutiveErrors >= policies.alertAfterFailures { return .failing }
        if isOverdue(state: state, policies: policies, now: now) { return .overdue }
        if let lastFinished, lastFinished.status.isFailure { return .error }
        return .healthy
    }

    /// Whether the job has gone longer than its `expect_success_within` without success,
    /// counted from its last success or, before any, from its registration.
    public static func isOverdue(state: JobState, policies: JobPolicies, now: Date) -> Bool {
        guard let within = policies.expectSuccessWithin, let since = state.lastSuccessAt ?? state.registeredAt else {
            return false
        }
        return now.timeIntervalSince(since) > within.inSeconds
    }
}
