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
    /// The last finished run failed.
    case error = "ERROR"
    /// None of the above.
    case healthy = "HEALTHY"

    /// Whether `nightshift status` exits 1 for this state.
    public var isAlarming: Bool { self == .failing || self == .stuck || self == .dead }

    /// Derives the health of one job. `activeRuns` are its `running` runs; `lastFinished` its
    /// newest finished run that was not skipped; `heartbeatTimeout` is how old a heartbeat may be.
    public static func derive(
        state: JobState, enabled: Bool, policies: JobPolicies, activeRuns: [Run], lastFinished: Run?,
        heartbeatTimeout: Double, now: Date
    ) -> JobHealth {
        if !enabled || !state.enabled { return .disabled }
        if state.paused { return .paused }
        if activeRuns.contains(where: { now.timeIntervalSince($0.heartbeatAt ?? $0.startedAt ?? now) > heartbeatTimeout }) {
            return .dead
        }
        if let timeout = policies.timeout,
            activeRuns.contains(where: { now.timeIntervalSince($0.startedAt ?? now) > timeout + heartbeatTimeout })
        {
            return .stuck
        }
        if state.consecutiveErrors >= policies.alertAfterFailures { return .failing }
        if let lastFinished, lastFinished.status.isFailure { return .error }
        return .healthy
    }
}
