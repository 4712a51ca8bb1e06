import Foundation
import Logging

/// Heartbeats: every third of a lease, stamps the runs this instance holds (so no other instance
/// rescues them) and writes the instance's own row for the dashboard's list of instances.
struct InstanceHeartbeats: UpkeepService {
    /// How often it beats.
    struct Configuration: Sendable {
        /// The time between two beats; the engine's is a third of its lease.
        var interval: Duration
        /// The instance's name, as its runs' `worker` column holds it.
        var instanceID: String
        /// The runs at once the instance executes, shown beside it.
        var concurrency: Int
    }

    let configuration: Configuration
    let store: any InstanceStore
    let workers: WorkerPool
    let clock: any EngineClock
    let logger: Logger

    var name: String { "heartbeats" }
    var period: Duration? { configuration.interval }
    var passesAtStart: Bool { true }

    func pass() async {
        await workers.heartbeat()
        await beat(stopping: false)
    }

    /// Writes the instance's row: alive, with how many runs it holds, or that it stopped.
    func beat(stopping: Bool) async {
        let now = clock.now
        let instance = InstanceState(
            id: configuration.instanceID, host: ProcessInfo.processInfo.hostName,
            pid: Int(ProcessInfo.processInfo.processIdentifier), version: NightshiftVersion.current,
            concurrency: configuration.concurrency, running: workers.runningCount, startedAt: now, heartbeatAt: now)
        do {
            try await store.beat(instance, stopping: stopping)
        } catch {
            logger.debug("recording this instance's heartbeat failed", metadata: ["error": "\(error)"])
        }
    }
}
