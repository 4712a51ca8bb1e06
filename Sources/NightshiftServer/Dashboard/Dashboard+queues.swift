import Foundation
import Hummingbird
import Nightshift

extension Dashboard {
    /// Queues: waiting and running runs, the oldest waiting one's age, runs finished in the last
    /// hour, paused state; pause and resume for admins.
    func queuesPage(_ session: DashboardSession) async throws -> DashboardPage {
        let now = try await store.databaseNow()
        let queues = try await store.queueSummaries()
        let finished = try await store.queueThroughput(since: now.addingTimeInterval(-3600))
        let paused = try await store.pausedQueues()
        let names = Set(queues.keys).union(paused).union(finished.keys).union(jobs.map(\.policies.queue)).sorted()
        let rows = names.map { queue -> HTML in
            let isPaused = paused.contains(queue)
            let action: HTML =
                session.mayAct
                ? (isPaused
                    ? actionForm("/queues/\(HTML.urlComponent(queue))/resume", label: "Resume", session: session)
                    : actionForm(
                        "/queues/\(HTML.urlComponent(queue))/pause", label: "Pause", session: session,
                        confirm: "Pause queue \(queue)?"))
                : .empty
            return """
                <tr data-queue="\(queue)"><td>\(queue)</td><td>\(queues[queue]?.depth ?? 0)</td><td>\(queues[queue]?.running ?? 0)</td>\
                <td>\(Self.ago(queues[queue]?.oldestDue, now: now))</td><td>\(finished[queue] ?? 0)</td>\
                <td>\(isPaused ? Self.badge("PAUSED") : Self.badge("ACTIVE"))</td><td class="actions">\(action)</td></tr>
                """
        }
        let content: HTML = """
            <h1>Queues</h1>
            <table><thead><tr><th>Queue</th><th>Waiting</th><th>Running</th><th>Oldest waiting</th><th>Finished, last hour</th><th>State</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
            """
        return DashboardPage(title: "Queues", section: "Queues", content: content)
    }

    /// Failures: failed and discarded runs of the last 24 hours (or 7 days), grouped by job and
    /// by their error with numbers, ids and times taken out; newest example and count per group;
    /// retry a group for admins.
    func failuresPage(_ session: DashboardSession, request: Request) async throws -> DashboardPage {
        let now = try await store.databaseNow()
        let week = request.uri.queryParameters["window"] == "7d"
        let since = now.addingTimeInterval(week ? -7 * 86_400 : -86_400)
        let groups = try await store.failureGroups(since: since, limit: 1000).map { group in
            (job: group.job, fingerprint: group.error, count: group.count, newestAt: group.newestAt)
        }
        let window = week ? "7d" : "24h"
        let rows = groups.map { group -> HTML in
            let retry: HTML =
                session.mayAct(on: group.job)
                ? actionForm(
                    "/runs/retry", label: "Retry these \(group.count)", session: session, confirm: "Retry \(group.count) runs?",
                    fields: """
                        <input type="hidden" name="job" value="\(group.job)"><input type="hidden" name="fingerprint" value="\(group.fingerprint)">\
                        <input type="hidden" name="window" value="\(window)">
                        """)
                : .empty
            return """
                <tr><td>\(jobLink(group.job))</td><td>\(group.count)</td><td class="error-text">\(group.fingerprint)</td>\
                <td><a href="\(path("/runs?job=\(HTML.urlComponent(group.job))&status=failed"))">\(Self.ago(group.newestAt, now: now))</a></td>\
                <td class="actions">\(retry)</td></tr>
                """
        }
        let content: HTML = """
            <h1>Failures</h1>
            <p>Failed and discarded runs of the last \(week ? "7 days" : "24 hours"), grouped by job and error. \
            <a href="\(path("/failures"))">24 hours</a> · <a href="\(path("/failures?window=7d"))">7 days</a></p>
            \(groups.isEmpty ? HTML("<p class=\"ok\">No failures.</p>") : HTML("<table><thead><tr><th>Job</th><th>Runs</th><th>Error</th><th>Newest</th><th></th></tr></thead><tbody>\(rows)</tbody></table>"))
            """
        return DashboardPage(title: "Failures", section: "Failures", content: content)
    }
}
