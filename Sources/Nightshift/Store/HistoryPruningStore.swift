import Foundation

/// What history pruning needs of a store.
public protocol HistoryPruningStore: Sendable {
    /// Deletes finished runs (and their attempts) that ended before their job's retention, in
    /// chunks of `chunkSize`; returns how many runs went.
    func prune(_ retention: HistoryRetention, chunkSize: Int) async throws -> Int
}
