import Foundation
import Nightshift

/// How many runs are in each state, for the strip above every page: queued and running now
/// (from the queues' index), and those that ended in the last 24 hours by how they ended (from
/// the kept hourly statistics), so that no page counts over the whole history.
struct StateCounts: Sendable {
    /// Queued and running now.
    var current: [(status: RunStatus, count: Int)]
    /// Ended since ``since``, by outcome; `failed` counts `discarded` too, as its filter finds both.
    var ended: [(status: RunStatus, count: Int)]
    /// The start of the hour 24 hours before the store's now: the hourly statistics count from
    /// an hour's start, and the links ask for runs from the same instant.
    var since: Date

    /// The counts from `store`.
    static func read(from store: any JobStore) async throws -> StateCounts {
        let now = try await store.databaseNow()
        let since = Date(timeIntervalSince1970: ((now.timeIntervalSince1970 - 86_400) / 3600).rounded(.down) * 3600)
        let queues = try await store.queueSummaries().values
        var endedBy: [RunStatus: Int] = [:]
        for bucket in try await store.runStatistics(since: since, bucketSeconds: 3600) {
            for status in RunStatus.allCases where RunStatus.found(by: status).contains(bucket.status) {
                endedBy[status, default: 0] += bucket.count
            }
        }
        return StateCounts(
            current: [(.queued, queues.reduce(0) { $0 + $1.depth }), (.running, queues.reduce(0) { $0 + $1.running })],
            ended: RunStatus.allCases.filter(\.isFinished).map { ($0, endedBy[$0, default: 0]) }, since: since)
    }
}
