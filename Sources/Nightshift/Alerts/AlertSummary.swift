import Foundation

/// The one sentence an alert says, for people reading a chat message or a pager.
enum AlertSummary {
    static func sentence(for change: IncidentChange) -> String {
        let incident = change.incident
        let subject = incident.subject
        let detail = incident.detail
        func text(_ key: String) -> String { detail[key]?.plainText ?? "?" }
        if change.transition == .resolved {
            switch incident.condition {
            case .failing: return "\(subject) recovered: a run succeeded after the failures."
            case .overdue: return "\(subject) succeeded again; no longer overdue."
            case .missed: return "\(subject) ran successfully after the missed fires."
            case .stuck: return "\(subject) no longer has a run past its timeout."
            case .dead: return "\(subject) no longer has a run without heartbeats."
            case .backlog: return "Queue \(subject) caught up."
            case .noLeader: return "A scheduler leads again (since \(text("to")))."
            }
        }
        switch incident.condition {
        case .failing:
            return "\(subject) is failing: \(text("consecutiveFailures")) consecutive failed runs."
        case .stuck:
            return "\(subject) has a run still running past its timeout of \(text("timeout")) (started \(text("startedAt")))."
        case .dead:
            return "\(subject) has a running run whose worker stopped heartbeating (last heartbeat \(text("lastHeartbeatAt")))."
        case .overdue:
            let since = detail["lastSuccessAt"] == .null ? "it never succeeded" : "last success \(text("lastSuccessAt"))"
            return "\(subject) has not succeeded within \(text("expectSuccessWithin")) (\(since))."
        case .missed:
            return "\(subject): \(text("fires")) fire(s) from \(text("from")) to \(text("to")) were not run (\(text("reason")))."
        case .noLeader:
            return
                "No scheduler ran for \(text("seconds")) s (from \(text("from")) to \(text("to"))): fires in that time were not run on time."
        case .backlog:
            return
                "Queue \(subject) has a run waiting for \(text("ageSeconds")) s (alert_backlog_age: \(text("alertBacklogAge")))."
        }
    }
}
