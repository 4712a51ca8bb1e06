import Foundation
import Nightshift

extension MemoryJobStore {
    public func incidents(openOnly: Bool, limit: Int) async throws -> [Incident] {
        state.withLock { state in
            Array(
                state.incidents.values.filter { !openOnly || $0.isOpen }
                    .sorted { ($0.openedAt, $0.id.uuidString) > ($1.openedAt, $1.id.uuidString) }
                    .prefix(limit))
        }
    }

    public func apply(_ changes: [IncidentChange]) async throws -> [IncidentChange] {
        mutate { state, _ in
            var applied: [IncidentChange] = []
            for change in changes {
                let incident = change.incident
                if change.missedFires > 0, var job = state.jobs[incident.subject] {
                    job.missedFires = max(0, job.missedFires - change.missedFires)
                    if job.missedFires == 0 { (job.missedFirst, job.missedLast, job.missedReason) = (nil, nil, nil) }
                    state.jobs[incident.subject] = job
                }
                if let gap = change.leaderGapFrom {
                    for (name, lease) in state.leases where lease.gapFrom.map({ $0 <= gap.addingTimeInterval(0.001) }) == true {
                        state.leases[name]?.gapFrom = nil
                    }
                }
                switch change.transition {
                case .open:
                    let alreadyOpen = state.incidents.values.contains {
                        $0.isOpen && $0.subject == incident.subject && $0.condition == incident.condition
                    }
                    guard !alreadyOpen else { continue }
                    state.incidents[incident.id] = incident
                case .resolved:
                    guard state.incidents[incident.id]?.isOpen == true else { continue }
                    state.incidents[incident.id]?.resolvedAt = change.at
                }
                for notification in change.notifications { state.notifications[notification.id] = notification }
                applied.append(change)
            }
            return applied
        }
    }

    public func dueNotifications(limit: Int) async throws -> [AlertNotification] {
        let now = clock.now
        return state.withLock { state in
            Array(
                state.notifications.values.filter { $0.deliveredAt == nil && $0.failedAt == nil && $0.deliverAfter <= now }
                    .sorted { ($0.deliverAfter, $0.id.uuidString) < ($1.deliverAfter, $1.id.uuidString) }
                    .prefix(limit))
        }
    }

    public func recordDelivery(_ id: UUID, outcome: DeliveryOutcome) async throws {
        let now = clock.now
        mutate { state, _ in
            guard var notification = state.notifications[id] else { return }
            notification.attempts += 1
            switch outcome {
            case .delivered:
                notification.deliveredAt = now
            case .retry(let at, let error):
                notification.deliverAfter = at
                notification.lastError = error
            case .failed(let error):
                notification.failedAt = now
                notification.lastError = error
            }
            state.notifications[id] = notification
        }
    }

    public func notifications(of incidentID: UUID) async throws -> [AlertNotification] {
        state.withLock { state in
            state.notifications.values.filter { $0.incidentID == incidentID }
                .sorted { ($0.createdAt, $0.id.uuidString) < ($1.createdAt, $1.id.uuidString) }
        }
    }

    public func lease(_ name: String) async throws -> LeaseState? {
        state.withLock { state in
            state.leases[name].map {
                LeaseState(holder: $0.holder, expiresAt: $0.expiresAt, acquiredAt: $0.acquiredAt, gapFrom: $0.gapFrom)
            }
        }
    }
}
