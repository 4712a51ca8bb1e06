import Foundation

/// Where runs and job state live: the engine's only way to the database, and the admin API's
/// and CLI's. One store per database (SQLite, PostgreSQL, and the memory store of
/// `NightshiftTesting`), made of three concerns: ``EngineStore``, ``ControlStore`` and
/// ``HistoryStore``, so that code that only reads or only steers says so.
public protocol JobStore: EngineStore, ControlStore, HistoryStore, AlertStore {
    /// Creates or upgrades the schema; safe when several instances start together.
    func migrate() async throws
    /// Whether every migration this build knows is applied.
    func isMigrated() async throws -> Bool
    /// Closes connections.
    func close() async
}

extension EngineStore {
    /// Applies the end of one attempt; false when its run was no longer running at that attempt.
    public func complete(_ completion: RunCompletion) async throws -> Bool {
        try await complete([completion]).contains(completion.runID)
    }
}

extension JobStore {
    /// Pauses or resumes `job`, registering it first when no engine has yet (a pause from the
    /// API, the CLI or the dashboard before the first `serve`).
    public func setPaused(_ job: Job, paused: Bool) async throws {
        if try await !setPaused(job: job.name, paused: paused) {
            try await register([JobRegistration(job)])
            _ = try await setPaused(job: job.name, paused: paused)
        }
    }
}
