import Foundation

/// How people and code steer jobs through a store: enqueue, pause, resume and cancel.
public protocol ControlStore: Sendable {
    /// Pauses or resumes a job; returns false when the job is unknown.
    func setPaused(job: String, paused: Bool) async throws -> Bool
    /// Creates queued runs.
    func enqueue(_ runs: [NewRun]) async throws -> [Run]
    /// Cancels each queued run of `runIDs` at once and asks each running one to stop, in one
    /// statement, recording who asked (`by`, as the error "cancelled by <who>") when known;
    /// returns the runs it applied to (not those already finished or unknown).
    func requestCancel(runIDs: [UUID], by who: String?) async throws -> Set<UUID>
    /// Pauses or resumes a queue: its queued runs wait while it is paused.
    func setQueuePaused(_ queue: String, paused: Bool) async throws
    /// Records that the dashboard session `id` was ended (signed out), so that a copy of its
    /// cookie is refused on every instance until `expiresAt`, when it would have ended anyway;
    /// sessions more than ``SessionRevocations/keptPastExpiry`` past their end are forgotten
    /// meanwhile.
    func revokeSession(_ id: String, expiresAt: Date) async throws
    /// Whether the dashboard session `id` was ended.
    func isSessionRevoked(_ id: String) async throws -> Bool
}

extension ControlStore {
    /// Cancels a queued run at once, or asks a running one to stop, recording who asked when
    /// known; false if it is finished.
    public func requestCancel(runID: UUID, by who: String? = nil) async throws -> Bool {
        try await requestCancel(runIDs: [runID], by: who).contains(runID)
    }
}
