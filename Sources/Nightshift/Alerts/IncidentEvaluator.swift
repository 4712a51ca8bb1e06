import Foundation

/// Judges every alert condition from one reading of the store and says which incidents open and
/// which resolve. Pure: the ``AlertMonitor`` reads, this decides, the store applies.
struct IncidentEvaluator {
    /// One reading of the store.
    struct Reading {
        var states: [String: JobState]
        var running: [String: RunningSummary]
        var lastFinished: [String: Run]
        var open: [Incident]
        var oldestQueued: [String: Date]
        var schedulerLease: LeaseState?
        var now: Date
    }

    let jobs: [Job]
    let heartbeatTimeout: Duration
    let leaseDuration: Duration
    let backlogAges: [String: Duration]

    /// The openings and resolutions `reading` calls for, without notifications.
    func changes(_ reading: Reading) -> [IncidentChange] {
        let now = reading.now
        var open: [String: Incident] = [:]
        for incident in reading.open { open[key(incident.subject, incident.condition)] = incident }
        var changes: [IncidentChange] = []
        var seen: Set<String> = []
        func present(_ subject: String, _ condition: IncidentCondition, _ detail: JSONObject) {
            seen.insert(key(subject, condition))
            guard open[key(subject, condition)] == nil else { return }
            changes.append(
                IncidentChange(
                    incident: Incident(subject: subject, condition: condition, openedAt: now, detail: detail),
                    transition: .open, at: now))
        }
        for job in jobs {
            let state = reading.states[job.name] ?? JobState(name: job.name, enabled: job.enabled)
            for (condition, detail) in conditions(of: job, state: state, running: reading.running[job.name], now: now) {
                present(job.name, condition, detail)
            }
            if state.missedFires > 0 {
                seen.insert(key(job.name, .missed))
                changes.append(
                    IncidentChange(
                        incident: Incident(
                            subject: job.name, condition: .missed, openedAt: now, detail: missedDetail(state)),
                        transition: .open, at: now, missedFires: state.missedFires))
            } else if let missed = open[key(job.name, .missed)],
                !(state.lastSuccessAt.map { $0 > missed.openedAt } ?? false)
            {
                // Open until the job succeeds after the fires were missed.
                seen.insert(key(job.name, .missed))
            }
        }
        for (queue, age) in backlogAges {
            if let oldest = reading.oldestQueued[queue], now.timeIntervalSince(oldest) > age.inSeconds {
                present(
                    queue, .backlog,
                    [
                        "oldestQueuedAt": .string(ISO8601Format.string(from: oldest)),
                        "ageSeconds": .number(now.timeIntervalSince(oldest).rounded()),
                        "alertBacklogAge": .string(DurationText.format(age.inSeconds)),
                    ])
            }
        }
        for incident in reading.open where !seen.contains(key(incident.subject, incident.condition)) {
            guard incident.condition != .noLeader else { continue }
            changes.append(IncidentChange(incident: incident, transition: .resolved, at: now))
        }
        changes += leaderGap(reading.schedulerLease)
        return changes
    }

    /// The conditions a job is in now, each with what was seen. A paused or disabled job is
    /// judged only on the runs it still has running.
    private func conditions(of job: Job, state: JobState, running: RunningSummary?, now: Date) -> [(
        IncidentCondition, JSONObject
    )] {
        var found: [(IncidentCondition, JSONObject)] = []
        if let heartbeat = running?.oldestHeartbeat, now.timeIntervalSince(heartbeat) > heartbeatTimeout.inSeconds {
            found.append((.dead, ["lastHeartbeatAt": .string(ISO8601Format.string(from: heartbeat))]))
        }
        if let timeout = job.policies.timeout, let started = running?.oldestStart,
            now.timeIntervalSince(started) > (timeout + heartbeatTimeout).inSeconds
        {
            found.append(
                (
                    .stuck,
                    [
                        "startedAt": .string(ISO8601Format.string(from: started)),
                        "timeout": .string(DurationText.format(timeout.inSeconds)),
                    ]
                ))
        }
        guard job.enabled, state.enabled, !state.paused else { return found }
        if state.consecutiveErrors >= job.policies.alertAfterFailures {
            found.append(
                (
                    .failing,
                    [
                        "consecutiveFailures": .number(Double(state.consecutiveErrors)),
                        "alertAfterFailures": .number(Double(job.policies.alertAfterFailures)),
                    ]
                ))
        }
        if JobHealth.isOverdue(state: state, policies: job.policies, now: now), let within = job.policies.expectSuccessWithin {
            var detail: JSONObject = ["expectSuccessWithin": .string(DurationText.format(within.inSeconds))]
            detail["lastSuccessAt"] = state.lastSuccessAt.map { .string(ISO8601Format.string(from: $0)) } ?? .null
            found.append((.overdue, detail))
        }
        return found
    }

    private func missedDetail(_ state: JobState) -> JSONObject {
        var detail: JSONObject = ["fires": .number(Double(state.missedFires))]
        if let first = state.missedFirst { detail["from"] = .string(ISO8601Format.string(from: first)) }
        if let last = state.missedLast { detail["to"] = .string(ISO8601Format.string(from: last)) }
        if let reason = state.missedReason { detail["reason"] = .string(reason) }
        return detail
    }

    /// A gap of more than two lease periods without a scheduler, seen once a new leader took the
    /// lease: opened and resolved at once (a leader is back), and cleared from the lease.
    private func leaderGap(_ lease: LeaseState?) -> [IncidentChange] {
        guard let lease, let from = lease.gapFrom, let to = lease.acquiredAt else { return [] }
        let incident = Incident(
            subject: "scheduler", condition: .noLeader, openedAt: to,
            detail: [
                "from": .string(ISO8601Format.string(from: from)), "to": .string(ISO8601Format.string(from: to)),
                "seconds": .number(to.timeIntervalSince(from).rounded()),
            ])
        return [
            IncidentChange(incident: incident, transition: .open, at: to, leaderGapFrom: from),
            IncidentChange(incident: incident, transition: .resolved, at: to),
        ]
    }

    private func key(_ subject: String, _ condition: IncidentCondition) -> String { "\(condition.rawValue)\u{0}\(subject)" }
}
