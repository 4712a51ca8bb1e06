import Foundation
import Logging

/// Orphan rescue: every lease, requeues (or fails, with no attempts left) the runs whose
/// heartbeat is older than a lease, sparing the ones this instance holds; and not at all while
/// this instance saw the store fail or hang within the last lease (see ``StoreHealth``), since
/// other live instances may not have been able to heartbeat either.
struct OrphanRescue: UpkeepService {
    /// How old a heartbeat may get.
    struct Configuration: Sendable {
        /// A heartbeat older than this is a lost run's; also the time between two rescues.
        var staleAfter: Duration
    }

    let configuration: Configuration
    let store: any OrphanRescueStore
    let health: StoreHealth
    /// The runs this instance holds: alive whatever their heartbeat says.
    let held: @Sendable () -> Set<UUID>
    let logger: Logger

    var name: String { "orphan rescue" }
    var period: Duration? { configuration.staleAfter }
    var passesAtStart: Bool { true }

    func pass() async {
        let lease = configuration.staleAfter
        do {
            try health.requireSettled(for: lease)
            let rescued = try await health.checked {
                try await store.rescueOrphans(
                    staleAfter: lease,
                    sparing: { [held, health] in
                        // Asked again with the connection in hand: a pass that waited through an
                        // outage for it would otherwise rescue as the database comes back, before
                        // live instances heartbeat (its own wait counts as a call that hangs).
                        try health.requireSettled(for: lease)
                        return held()
                    })
            }
            for run in rescued {
                logger.warning(
                    "rescued orphaned run",
                    metadata: ["job": "\(run.job)", "run": "\(run.id)", "status": "\(run.status.rawValue)"])
            }
        } catch let unsettled as StoreUnsettled {
            logger.info(
                "orphan rescue waits a lease after the store failed or hung, so live instances heartbeat first",
                metadata: ["failedAgo": "\(unsettled.failedAgo)"])
        } catch {
            logger.warning("orphan rescue failed", metadata: ["error": "\(error)"])
        }
    }
}
