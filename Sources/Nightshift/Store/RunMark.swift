import Foundation

/// A run reduced to what a strip of recent runs shows: which run, its status and when.
public struct RunMark: Equatable, Sendable {
    /// The run's id.
    public var id: UUID
    /// Its status.
    public var status: RunStatus
    /// When it was created.
    public var createdAt: Date

    /// A mark.
    public init(id: UUID, status: RunStatus, createdAt: Date) {
        self.id = id
        self.status = status
        self.createdAt = createdAt
    }
}
