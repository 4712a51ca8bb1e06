import Foundation

/// What orphan rescue needs of a store.
public protocol OrphanRescueStore: Sendable {
    /// Rescues `running` runs whose heartbeat is older than `staleAfter`, except those
    /// `held` names: requeued when attempts are left, otherwise failed. Returns the rescued runs
    /// as they are now. `held` gives the runs the calling instance holds, asked for just before
    /// the rescue's statements run: they are alive whatever their heartbeat says (it lags when
    /// the database or the process is slow), and an instance that failed its own runs for that
    /// lost work it was doing. An error `held` throws calls the rescue off: it is thrown on,
    /// and nothing is rescued.
    func rescueOrphans(staleAfter: Duration, sparing held: @escaping @Sendable () throws -> Set<UUID>) async throws -> [Run]
}
