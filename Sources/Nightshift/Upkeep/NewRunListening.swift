import Logging

/// Wakes the workers whenever a run is enqueued anywhere (PostgreSQL LISTEN), reconnecting
/// after a failure; workers poll meanwhile, and always, since a wake-up is only a hint.
struct NewRunListening: UpkeepService {
    /// How long to wait before listening again after a failure.
    struct Configuration: Sendable {
        var retryAfter: Duration
    }

    let configuration: Configuration
    let store: any NewRunAnnouncements
    let wake: @Sendable () -> Void
    let clock: any EngineClock
    let logger: Logger

    var name: String { "new-run listening" }
    var period: Duration? { nil }

    func validate() throws(UpkeepSettingError) {
        if configuration.retryAfter <= .zero {
            throw UpkeepSettingError(setting: "listen retry delay", value: configuration.retryAfter)
        }
    }

    /// Listens until cancelled, or returns at once when the store has no announcements.
    func pass() async {
        while !Task.isCancelled {
            do {
                try await store.listenForNewRuns(wake)
                return  // the store has no notifications
            } catch {
                guard !Task.isCancelled else { return }
                logger.notice("listening for new runs failed; polling meanwhile", metadata: ["error": "\(error)"])
                try? await clock.sleep(for: configuration.retryAfter)
            }
        }
    }
}
