import Foundation
import Hummingbird
import Nightshift

extension Dashboard {
    /// Overview: the scheduler, the jobs that need attention, open incidents, runs over the last
    /// hour, day or week by outcome with p50 and p95 of run time and wait, and the queues.
    func overview(_ session: DashboardSession, request: Request) async throws -> DashboardPage {
        let window = ChartWindow(query: request.uri.queryParameters["window"].map(String.init))
        let now = try await store.databaseNow()
        let status = try await StatusReport.make(
            jobs: jobs, store: store, engine: configuration.engine)
        let lease = try await store.lease("scheduler")
        let incidents = try await store.incidents(openOnly: true, limit: 50)
        let since = now.addingTimeInterval(-window.seconds)
        let buckets = try await store.runStatistics(since: since, bucketSeconds: window.bucketSeconds)
        let instances = try await store.instances()
        let queues = try await store.queueSummaries()

        let leader: HTML
        if let lease, lease.expiresAt > now {
            leader =
                "<p class=\"ok\">Scheduler: <strong>\(lease.holder)</strong> leads, since \(Self.ago(lease.acquiredAt, now: now)).</p>"
        } else {
            leader =
                "<p class=\"error\" role=\"alert\">No scheduler leads (last seen \(Self.ago(lease?.expiresAt, now: now))): scheduled jobs are not firing.</p>"
        }
        let instanceRows = instances.map { instance -> HTML in
            let state: String
            if instance.stoppedAt != nil {
                state = "STOPPED"
            } else if now.timeIntervalSince(instance.heartbeatAt) > 2 * configuration.engine.heartbeatTimeout.inSeconds {
                state = "GONE"
            } else {
                state = lease?.holder == instance.id && (lease?.expiresAt ?? now) > now ? "LEADER" : "ALIVE"
            }
            return
                "<tr><td>\(Self.badge(state))</td><td>\(instance.id)</td><td>\(instance.version)</td><td>\(instance.running) of \(instance.concurrency)</td><td>\(Self.ago(instance.startedAt, now: now))</td><td>\(Self.ago(instance.heartbeatAt, now: now))</td></tr>"
        }
        let urgent: Set<JobHealth> = [.failing, .stuck, .dead, .overdue, .paused, .error]
        let attention = status.jobs.filter { urgent.contains($0.health) }.sorted {
            (JobHealth.allCases.firstIndex(of: $0.health) ?? 0, $0.name) < (
                JobHealth.allCases.firstIndex(of: $1.health) ?? 0, $1.name
            )
        }
        let attentionRows = attention.map { job -> HTML in
            "<tr><td>\(Self.badge(job.health.rawValue))</td><td>\(jobLink(job.name))</td><td>\(job.consecutiveErrors)</td><td class=\"error-text\">\(job.lastError ?? "")</td></tr>"
        }
        let incidentRows = incidents.map { incident -> HTML in
            "<tr><td>\(Self.badge(incident.condition.rawValue))</td><td>\(incident.subject)</td><td>\(Self.ago(incident.openedAt, now: now))</td><td>\(incident.detail.summary)</td></tr>"
        }
        let queueRows = queues.keys.sorted().map { queue -> HTML in
            "<tr><td>\(queue)</td><td>\(queues[queue]?.depth ?? 0)</td><td>\(Self.ago(queues[queue]?.oldestDue, now: now))</td></tr>"
        }
        let windowLinks = ChartWindow.allCases.map { option -> HTML in
            option == window
                ? "<strong>\(option.rawValue)</strong>"
                : "<a href=\"\(path("/?window=\(option.rawValue)"))\">\(option.rawValue)</a>"
        }
        let content: HTML = """
            <h1>Overview</h1>
            \(leader)
            <section><h2>Instances</h2>
            \(instanceRows.isEmpty ? HTML("<p>None has run yet.</p>") : HTML("<table><thead><tr><th>State</th><th>Instance</th><th>Version</th><th>Running</th><th>Started</th><th>Heartbeat</th></tr></thead><tbody>\(instanceRows)</tbody></table>"))
            </section>
            <section><h2>Needs attention</h2>
            \(attention.isEmpty ? HTML("<p class=\"ok\">Every job is healthy.</p>") : HTML("<table><thead><tr><th>Health</th><th>Job</th><th>Failures in a row</th><th>Last error</th></tr></thead><tbody>\(attentionRows)</tbody></table>"))
            </section>
            <section><h2>Open incidents</h2>
            \(incidents.isEmpty ? HTML("<p>None.</p>") : HTML("<table><thead><tr><th>Condition</th><th>Subject</th><th>Opened</th><th>Detail</th></tr></thead><tbody>\(incidentRows)</tbody></table>"))
            </section>
            <section><h2>Runs \(window.perBar), \(window.phrase)</h2>
            <p class="windows">\(HTML(trusted: windowLinks.map(\.markup).joined(separator: " · ")))</p>
            \(RunChart.svg(buckets, from: since, to: now, bucketSeconds: window.bucketSeconds, perBar: window.perBar))
            \(Self.durations(buckets, window: window))
            </section>
            <section><h2>Queues</h2>
            \(queueRows.isEmpty ? HTML("<p>No run is waiting.</p>") : HTML("<table><thead><tr><th>Queue</th><th>Waiting</th><th>Oldest</th></tr></thead><tbody>\(queueRows)</tbody></table>"))
            </section>
            """
        return DashboardPage(title: "Overview", section: "Overview", content: content)
    }

    /// How many runs ended, and p50 and p95 of their run time and wait (estimated from the
    /// buckets' histograms), as a sentence.
    static func durations(_ buckets: [FinishedRunBucket], window: ChartWindow) -> HTML {
        var runs = DurationHistogram()
        var waits = DurationHistogram()
        for bucket in buckets {
            runs.merge(bucket.runHistogram)
            waits.merge(bucket.waitHistogram)
        }
        let finished = buckets.reduce(0) { $0 + $1.count }
        guard finished > 0 else { return "<p>No run ended in \(window.phrase).</p>" }
        let seconds = DurationChart.seconds
        return """
            <p data-runs="\(finished)">\(finished) runs ended in \(window.phrase). Run time: p50 ≈ \(seconds(runs.quantile(0.5))), \
            p95 ≈ \(seconds(runs.quantile(0.95))). Wait to start: p50 ≈ \(seconds(waits.quantile(0.5))), p95 ≈ \(seconds(waits.quantile(0.95))). \
            <span class="hint">(≈: estimated from duration buckets, as Prometheus estimates them)</span></p>
            """
    }
}
