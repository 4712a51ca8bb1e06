import Foundation

/// Where instances say they are alive: the heartbeat service writes, the dashboard lists.
public protocol InstanceStore: Sendable {
    /// Records that instance `instance` is alive (its `startedAt` and `heartbeatAt` are the
    /// store's: kept from the first write, and now), or that it stopped when `stopping`; deletes
    /// instances not heard of for a day.
    func beat(_ instance: InstanceState, stopping: Bool) async throws
}
