import Logging

/// History pruning: the leader deletes finished runs past their retention, in chunks. Only the
/// leader prunes, so instances do not compete for the same rows.
struct HistoryPruning: UpkeepService {
    /// What to keep and how often to look.
    struct Configuration: Sendable {
        /// The time between two prunes when the engine's configuration says nothing.
        static let defaultInterval: Duration = .seconds(600)
        /// Runs deleted per statement: short transactions on a large history.
        static let defaultChunkSize = 5000

        /// The time between two prunes.
        var interval = defaultInterval
        /// How long finished runs are kept, with the jobs' own rules.
        var retention: HistoryRetention
        /// Runs deleted per statement.
        var chunkSize = defaultChunkSize
    }

    let configuration: Configuration
    let store: any HistoryPruningStore
    let isLeader: @Sendable () -> Bool
    let logger: Logger

    var name: String { "history pruning" }
    var period: Duration? { configuration.interval }

    func validate() throws(UpkeepSettingError) {
        if configuration.interval <= .zero { throw UpkeepSettingError(setting: "prune interval", value: configuration.interval) }
        if configuration.chunkSize <= 0 { throw UpkeepSettingError(setting: "prune chunk size", value: configuration.chunkSize) }
    }

    func pass() async {
        guard isLeader() else { return }
        do {
            let deleted = try await store.prune(configuration.retention, chunkSize: configuration.chunkSize)
            if deleted > 0 { logger.info("pruned finished runs past their retention", metadata: ["count": "\(deleted)"]) }
        } catch {
            logger.warning("pruning failed", metadata: ["error": "\(error)"])
        }
    }
}
