import Foundation
import Hummingbird
import Nightshift

extension Dashboard {
    /// Jobs: each with kind, schedule (and in words), zone, next fire, last run, health and its
    /// last 30 runs; run now, dry run, pause and resume for admins.
    func jobsPage(_ session: DashboardSession) async throws -> DashboardPage {
        let now = try await store.databaseNow()
        let status = try await StatusReport.make(
            jobs: jobs, store: store, engine: configuration.engine)
        let strips = try await store.recentRuns(of: status.jobs.map(\.name), limit: 30)
        var rows: [HTML] = []
        for job in status.jobs {
            let recent = strips[job.name] ?? []
            let strip = recent.reversed().map { run -> HTML in
                "<a class=\"tick \(run.status.rawValue)\" href=\"\(path("/runs/" + run.id.lowercasedText))\" title=\"\(run.status.rawValue) \(Self.time(run.createdAt))\"></a>"
            }
            var actions: [HTML] = []
            if session.mayAct(on: job.name) {
                actions.append(
                    actionForm(
                        "/jobs/\(HTML.urlComponent(job.name))/run", label: "Run now", session: session,
                        confirm: "Run \(job.name) now?"))
                actions.append(
                    actionForm(
                        "/jobs/\(HTML.urlComponent(job.name))/run", label: "Dry run", session: session,
                        fields: "<input type=\"hidden\" name=\"dry_run\" value=\"on\">"))
                if jobsByName[job.name]?.takesWindow == true {
                    actions.append("<a href=\"\(path("/jobs/\(HTML.urlComponent(job.name))#run"))\">For a date or range…</a>")
                }
                actions.append(
                    job.paused
                        ? actionForm("/jobs/\(HTML.urlComponent(job.name))/resume", label: "Resume", session: session)
                        : actionForm(
                            "/jobs/\(HTML.urlComponent(job.name))/pause", label: "Pause", session: session,
                            confirm: "Pause \(job.name)?"))
            }
            let last: HTML =
                job.lastRun.map { run -> HTML in
                    "\(Self.badge(run.status.rawValue)) <a href=\"\(path("/runs/" + run.id))\">\(Self.ago(run.endedAt.flatMap(ISO8601Format.date(from:)), now: now))</a>"
                } ?? "never"
            rows.append(
                """
                <tr data-job="\(job.name)"><td>\(Self.badge(job.health.rawValue))</td><td>\(jobLink(job.name))<div class="muted">\(job.description)</div></td>\
                <td>\(job.kind)</td><td>\(ScheduleWords.describe(job.schedule))<div class="muted"><code>\(job.schedule ?? "")</code> \(job.timezone)</div></td>\
                <td>\(job.nextRunAt.flatMap(ISO8601Format.date(from:)).map { Self.ago($0, now: now) } ?? "-")</td><td>\(last)</td>\
                <td class="strip">\(strip)</td><td class="actions">\(actions)</td></tr>
                """)
        }
        let content: HTML = """
            <h1>Jobs</h1>
            <table class="jobs"><thead><tr><th>Health</th><th>Job</th><th>Kind</th><th>Schedule</th><th>Next</th><th>Last run</th><th>Last 30 runs</th><th></th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        return DashboardPage(title: "Jobs", section: "Jobs", content: content)
    }

    /// One job: its description and settings as loaded, its next 10 fires, its recent runs, and
    /// the trigger form (date, range, params, dry run) for admins.
    func jobPage(_ session: DashboardSession, name: String, request: Request) async throws -> DashboardPage {
        guard let job = jobsByName[name] else { throw DashboardNotFound(what: "job '\(name)'") }
        let now = try await store.databaseNow()
        let state = try await store.jobStates().first { $0.name == name }
        var fires: [Date] = []
        if let schedule = job.schedule {
            var after = now
            while fires.count < 10, let next = schedule.nextFire(after: after) {
                fires.append(next)
                after = next
            }
        }
        let zone = job.timeZone
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        // Each fire as every time on the page (UTC), with the wall clock of the job's zone.
        formatter.dateFormat = zone.identifier == "UTC" ? "EEE" : "HH:mm EEE 'in \(zone.identifier)'"
        let policies = job.policies
        let settings: [(String, String)] = [
            ("kind", job.kind), ("schedule", job.schedule?.description ?? "on demand"),
            ("in words", ScheduleWords.describe(job.schedule?.description)),
            ("time zone", zone.identifier), ("enabled", job.enabled ? "yes" : "no"),
            ("paused", state?.paused == true ? "yes" : "no"),
            ("queue", policies.queue), ("timeout", policies.timeout.map { DurationText.format($0.inSeconds) } ?? "none"),
            (
                "retries",
                "max_attempts \(policies.retry.maxAttempts), backoff \(DurationText.format(policies.retry.backoffBase.inSeconds))"
            ),
            ("overlap", policies.overlap.rawValue), ("catch_up", policies.catchUp.rawValue),
            ("alert_after_failures", "\(policies.alertAfterFailures)"),
            ("expect_success_within", policies.expectSuccessWithin.map { DurationText.format($0.inSeconds) } ?? "none"),
            ("concurrency", policies.concurrency.map(String.init) ?? "no limit"),
        ]
        let settingRows = settings.map { key, value -> HTML in "<tr><th>\(key)</th><td>\(value)</td></tr>" }
        let fireItems = fires.map { fire -> HTML in "<li>\(Self.time(fire)) (\(formatter.string(from: fire)))</li>" }
        // The last 200 runs: one index range of the job's runs, for the chart and the table.
        let history = try await store.runs(RunQuery(job: name, limit: 200))
        let runs = Array(history.prefix(25))
        // Only for a job that reads a run's date or range: elsewhere the fields would do nothing.
        let window: HTML =
            job.takesWindow
            ? """
            <label>Date <input name="date" placeholder="2026-01-31, today or yesterday"></label>
            <label>From <input name="from" placeholder="YYYY-MM-DD"></label> <label>to <input name="to" placeholder="YYYY-MM-DD"></label>
            """ : .empty
        let trigger: HTML =
            session.mayAct(on: name)
            ? """
            <section id="run"><h2>Run it</h2>
            <form method="post" action="\(path("/jobs/\(HTML.urlComponent(name))/run"))" class="trigger" data-confirm="Run \(name) now?">
            <input type="hidden" name="csrf" value="\(session.csrf)">
            \(window)
            <label>Params, one key=value a line <textarea name="params" rows="3"></textarea></label>
            <label><input type="checkbox" name="dry_run"> Dry run</label>
            <button type="submit">Run \(name)</button>
            </form></section>
            """ : .empty
        let content: HTML = """
            <h1>\(name)</h1>
            <p>\(job.description)</p>
            \(trigger)
            <section><h2>Settings</h2><table class="settings"><tbody>\(settingRows)</tbody></table></section>
            <section><h2>Next fires</h2>\(fires.isEmpty ? HTML("<p>None: on demand, or no fire ahead.</p>") : HTML("<ol class=\"fires\">\(fireItems)</ol>"))</section>
            <section><h2>Run time and outcome, last \(history.count) runs</h2>\(DurationChart.svg(history))</section>
            <section><h2>Recent runs</h2>\(runTable(runs, now: now, session: session, selectable: false))
            <p><a href="\(path("/runs?job=\(HTML.urlComponent(name))"))">All runs of \(name)</a></p></section>
            """
        return DashboardPage(title: name, section: "Jobs", content: content)
    }
}

/// A page about something that is not there.
struct DashboardNotFound: Error {
    var what: String
}
