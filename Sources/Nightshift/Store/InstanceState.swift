import Foundation

/// One Nightshift instance as the store last heard of it: what the dashboard lists beside the
/// leader. Each engine writes its row every heartbeat; a row not written for a day is deleted.
public struct InstanceState: Equatable, Sendable {
    /// The instance's id (`host:pid:random`), as in leases and runs' `worker`.
    public var id: String
    /// The host it runs on.
    public var host: String
    /// Its process id.
    public var pid: Int
    /// Its Nightshift version.
    public var version: String
    /// How many runs it executes at once at most.
    public var concurrency: Int
    /// How many runs it held at its last heartbeat.
    public var running: Int
    /// When it started, by the store's clock.
    public var startedAt: Date
    /// Its last heartbeat, by the store's clock.
    public var heartbeatAt: Date
    /// When it stopped cleanly; nil while running (or after a crash: then its heartbeat grows old).
    public var stoppedAt: Date?

    /// An instance.
    public init(
        id: String, host: String, pid: Int, version: String, concurrency: Int, running: Int, startedAt: Date,
        heartbeatAt: Date, stoppedAt: Date? = nil
    ) {
        self.id = id
        self.host = host
        self.pid = pid
        self.version = version
        self.concurrency = concurrency
        self.running = running
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.stoppedAt = stoppedAt
    }
}
