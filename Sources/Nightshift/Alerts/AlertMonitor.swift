import Foundation
import Logging

/// The leader's alerting: judges every condition from the store, opens and resolves incidents
/// with their notifications in one transaction each, and delivers due notifications, retrying
/// with backoff until a channel takes them or ``AlertSettings/giveUpAfter`` passes.
///
/// Everything it knows is in the store, so a leader that dies midway leaves the next one to carry
/// on: an incident already open is not opened again, and an undelivered notification is
/// delivered by whoever leads next.
final class AlertMonitor: Sendable {
    private let store: any AlertStore & HistoryStore & StoreClock
    private let jobs: [Job]
    private let jobsByName: [String: Job]
    private let settings: AlertSettings
    private let evaluator: IncidentEvaluator
    private let heartbeatTimeout: Duration
    private let instanceID: String
    private let logger: Logger

    init(store: any AlertStore & HistoryStore & StoreClock, jobs: [Job], configuration: EngineConfiguration, logger: Logger) {
        self.store = store
        self.jobs = jobs
        jobsByName = Dictionary(jobs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        settings = configuration.alerts
        heartbeatTimeout = configuration.leaseDuration
        instanceID = configuration.instanceID
        self.logger = logger
        evaluator = IncidentEvaluator(
            jobs: jobs, heartbeatTimeout: configuration.leaseDuration, leaseDuration: configuration.leaseDuration,
            backlogAges: configuration.alerts.backlogAges)
    }

    /// Judges the conditions and delivers what is due.
    func pass() async {
        do {
            try await evaluate()
        } catch {
            logger.warning("judging alert conditions failed", metadata: ["error": "\(error)"])
        }
        do {
            try await deliverDue()
        } catch {
            logger.warning("delivering alerts failed", metadata: ["error": "\(error)"])
        }
    }

    /// Opens and resolves incidents as the store's state calls for.
    func evaluate() async throws {
        var reading = IncidentEvaluator.Reading(
            states: Dictionary(try await store.jobStates().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }),
            running: try await store.runningSummaries(), lastFinished: [:],
            open: try await store.incidents(openOnly: true, limit: 10_000),
            oldestQueued: settings.backlogAges.isEmpty ? [:] : try await store.oldestQueuedRuns(),
            schedulerLease: try await store.lease(Scheduler.leaseName), now: try await store.databaseNow())
        var changes = evaluator.changes(reading)
        guard !changes.isEmpty else { return }
        // Only read when something changed: it reads every job's newest finished run.
        reading.lastFinished = try await store.lastFinishedRuns(of: jobs.map(\.name))
        for index in changes.indices {
            let event = try await event(for: changes[index], reading: reading)
            let payload = event.encoded()
            changes[index].notifications = settings.channels(
                for: changes[index].incident.condition, job: changes[index].incident.job
            )
            .map { channel in
                // A microsecond apart, so that each channel gets a pass's changes in order (an
                // opening before the resolution that follows it at once).
                AlertNotification(
                    incidentID: changes[index].incident.id, channel: channel, payload: payload,
                    createdAt: reading.now.addingTimeInterval(Double(index) / 1_000_000))
            }
        }
        for change in try await store.apply(changes) {
            logger.notice(
                "incident \(change.transition == .open ? "opened" : "resolved"): \(change.incident.condition.rawValue) \(change.incident.subject)",
                metadata: [
                    "incident": "\(change.incident.id.lowercasedText)", "condition": "\(change.incident.condition.rawValue)",
                    "subject": "\(change.incident.subject)", "notifications": "\(change.notifications.count)",
                ])
        }
    }

    /// Delivers the notifications whose time has come: each channel's in the order they were
    /// written (an incident's opening before its resolution), channels side by side. A channel
    /// that refuses one gets none of its later ones in this pass.
    func deliverDue() async throws {
        let due = try await store.dueNotifications(limit: 100)
        guard !due.isEmpty else { return }
        let byChannel = Dictionary(grouping: due, by: \.channel).mapValues {
            $0.sorted { ($0.createdAt, $0.id.uuidString) < ($1.createdAt, $1.id.uuidString) }
        }
        await withDiscardingTaskGroup { group in
            for notifications in byChannel.values {
                group.addTask {
                    for notification in notifications where await !self.deliver(notification) { return }
                }
            }
        }
    }

    /// Delivers one notification and records how it went; true when the channel took it.
    private func deliver(_ notification: AlertNotification) async -> Bool {
        let outcome: DeliveryOutcome
        do {
            guard let channel = settings.channels[notification.channel] else {
                throw AlertDeliveryError(reason: "channel '\(notification.channel)' is no longer in the config")
            }
            let event = try AlertEvent.decoded(from: notification.payload)
            try await channel.deliver(event, payload: notification.payload, notificationID: notification.id)
            outcome = .delivered
            logger.info(
                "alert delivered",
                metadata: [
                    "channel": "\(notification.channel)", "event": "\(event.event)", "state": "\(event.state.rawValue)",
                    "notification": "\(notification.id.lowercasedText)",
                ])
        } catch {
            let now = (try? await store.databaseNow()) ?? Date()
            let attempts = notification.attempts + 1
            let message = "\(error)"
            if error is AlertDeliveryError || now.timeIntervalSince(notification.createdAt) >= settings.giveUpAfter.inSeconds {
                outcome = .failed(error: message)
                logger.error(
                    "alert delivery given up",
                    metadata: ["channel": "\(notification.channel)", "attempts": "\(attempts)", "error": "\(message)"])
            } else {
                let delay = AlertSettings.retryDelay(afterAttempt: attempts)
                outcome = .retry(at: now.addingTimeInterval(delay.inSeconds), error: message)
                logger.warning(
                    "alert delivery failed; will retry",
                    metadata: [
                        "channel": "\(notification.channel)", "attempts": "\(attempts)", "error": "\(message)",
                        "retryIn": "\(DurationText.format(delay.inSeconds))",
                    ])
            }
        }
        do {
            try await store.recordDelivery(notification.id, outcome: outcome)
        } catch {
            logger.warning("recording an alert's delivery failed", metadata: ["error": "\(error)"])
        }
        return outcome == .delivered
    }

    /// The event a change sends: the incident with the job's state and the run it concerns.
    private func event(for change: IncidentChange, reading: IncidentEvaluator.Reading) async throws -> AlertEvent {
        let incident = change.incident
        var event = AlertEvent(
            event: incident.condition.rawValue, state: change.transition, incident: incident.id.lowercasedText,
            job: incident.job, queue: incident.queue, summary: AlertSummary.sentence(for: change),
            detail: incident.detail, at: ISO8601Format.string(from: change.at), instance: instanceID)
        if let name = incident.job, let job = jobsByName[name] {
            let state = reading.states[name] ?? JobState(name: name, enabled: job.enabled)
            event.health = JobHealth.derive(
                state: state, enabled: job.enabled, policies: job.policies, running: reading.running[name],
                lastFinished: reading.lastFinished[name], heartbeatTimeout: heartbeatTimeout, now: reading.now)
            event.consecutiveFailures = state.consecutiveErrors
            event.lastError = state.lastError
            let run: Run?
            if incident.condition == .stuck || incident.condition == .dead, change.transition == .open {
                run = try await store.runs(RunQuery(job: name, status: .running, limit: 1)).first
            } else {
                run = reading.lastFinished[name]
            }
            event.run = run.map { RunReport($0) }
        }
        if let base = settings.publicURL?.trimmingSuffix("/") {
            event.url = event.run.map { "\(base)/api/jobs/runs/\($0.id)" } ?? "\(base)/api/incidents"
        }
        return event
    }
}

/// A delivery that cannot succeed however often it is tried.
struct AlertDeliveryError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
