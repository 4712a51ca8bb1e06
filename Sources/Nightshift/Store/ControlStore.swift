import Foundation

/// How people and code steer jobs through a store: enqueue, pause, resume and cancel.
public protocol ControlStore: Sendable {
    /// Pauses or resumes a job; returns false when the job is unknown.
    func setPaused(job: String, paused: Bool) async throws -> Bool
    /// Creates queued runs.
    func enqueue(_ runs: [NewRun]) async throws -> [Run]
    /// Cancels a queued run at once, or asks a running one to stop; false if it is finished.
    func requestCancel(runID: UUID) async throws -> Bool
    /// Pauses or resumes a queue: its queued runs wait while it is paused.
    func setQueuePaused(_ queue: String, paused: Bool) async throws
}
