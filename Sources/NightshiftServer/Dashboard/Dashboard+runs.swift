import Foundation
import Hummingbird
import Nightshift

extension Dashboard {
    /// Runs, newest first, filtered by job, status, trigger and queue, or found by what a person
    /// types (`q`: a job's name, a run's id or its start, or a param's value), a page at a time
    /// by a cursor (never an offset, never a count over the history); admins may retry or cancel
    /// the runs ticked, or retry everything the filter matches.
    func runsPage(_ session: DashboardSession, request: Request) async throws -> DashboardPage {
        let now = try await store.databaseNow()
        let parameters = request.uri.queryParameters
        func value(_ key: String) -> String? {
            parameters[key[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        }
        var query = RunQuery(job: value("job"), limit: 50)
        query.status = value("status").flatMap(RunStatus.init(rawValue:))
        query.trigger = value("trigger").flatMap(RunTrigger.init(rawValue:))
        query.queue = value("queue")
        query.before = value("before").flatMap(UUID.init(uuidString:))
        query.since = try value("from").map { try Self.filterTime($0, field: "From") }
        query.until = try value("to").map { try Self.filterTime($0, field: "To") }
        let search = value("q")?.trimmingCharacters(in: .whitespaces)
        if let search, !search.isEmpty {
            if jobsByName[search] != nil {
                query.job = search
            } else if let prefix = RunLookup.idPrefix(search) {
                query.idPrefix = prefix
            } else {
                query.paramValue = search
            }
        }
        let runs = try await store.runs(query)
        func options<T: RawRepresentable>(_ all: [T], selected: T?) -> [HTML] where T.RawValue == String {
            [HTML("<option value=\"\">any</option>")]
                + all.map { item -> HTML in
                    "<option\(HTML(trusted: item.rawValue == selected?.rawValue ? " selected" : ""))>\(item.rawValue)</option>"
                }
        }
        let jobOptions =
            [HTML("<option value=\"\">any</option>")]
            + jobs.map { job -> HTML in "<option\(HTML(trusted: job.name == query.job ? " selected" : ""))>\(job.name)</option>" }
        var filter: [String] = []
        if let job = query.job { filter.append("job=\(HTML.urlComponent(job))") }
        if let status = query.status { filter.append("status=\(status.rawValue)") }
        if let trigger = query.trigger { filter.append("trigger=\(trigger.rawValue)") }
        if let queue = query.queue { filter.append("queue=\(HTML.urlComponent(queue))") }
        for key in ["from", "to", "q"] { if let text = value(key) { filter.append("\(key)=\(HTML.urlComponent(text))") } }
        let next: HTML =
            runs.count == query.limit
            ? "<a href=\"\(path("/runs?" + (filter + ["before=\(runs.last?.id.lowercasedText ?? "")"]).joined(separator: "&")))\">Older runs</a>"
            : .empty
        // The filter again, for the bulk actions: they work through every matching run in chunks.
        let matching: HTML = """
            <input type="hidden" name="job" value="\(query.job ?? "")"><input type="hidden" name="status" value="\(query.status?.rawValue ?? "")">\
            <input type="hidden" name="from" value="\(value("from") ?? "")"><input type="hidden" name="to" value="\(value("to") ?? "")">
            """
        var bulk: [HTML] = []
        // The bulk actions act on the filter's fields alone: not offered for a search by id or param.
        // Nor when the filter matches nothing: no button without something to act on.
        let searching = query.idPrefix != nil || query.paramValue != nil || runs.isEmpty
        if session.mayAct, !searching, let status = query.status, RunRetry.retryable.contains(status) {
            bulk.append(
                actionForm(
                    "/runs/retry", label: "Retry every \(status.rawValue) run matching this filter", session: session,
                    confirm: "Retry every run matching this filter?", fields: matching))
        }
        if session.mayAct, !searching, let status = query.status, !status.isFinished {
            bulk.append(
                actionForm(
                    "/runs/cancel", label: "Cancel every \(status.rawValue) run matching this filter", session: session,
                    confirm: "Cancel every \(status.rawValue) run matching this filter?", fields: matching))
        }
        // Admins tick runs to retry or cancel them together; viewers get the table alone.
        // Each button only where a run on the page is one it can act on.
        let retryTicked: HTML =
            runs.contains { RunRetry.retryable.contains($0.status) }
            ? "<button type=\"submit\">Retry the runs ticked</button>" : .empty
        let cancelTicked: HTML =
            runs.contains { !$0.status.isFinished }
            ? "<button type=\"submit\" formaction=\"\(path("/runs/cancel"))\" data-confirm=\"Cancel the runs ticked?\">Cancel the runs ticked</button>"
            : .empty
        let mayTick = session.mayAct && (!retryTicked.markup.isEmpty || !cancelTicked.markup.isEmpty)
        let table = runTable(runs, now: now, session: session, selectable: mayTick)
        let selection: HTML =
            mayTick
            ? """
            <form method="post" action="\(path("/runs/retry"))" id="selection">
            <input type="hidden" name="csrf" value="\(session.csrf)">\(table)
            \(retryTicked)
            \(cancelTicked)
            </form>
            """ : table
        let content: HTML = """
            <h1>Runs</h1>
            <form method="get" action="\(path("/runs"))" class="filters">
            <label>Job <select name="job">\(jobOptions)</select></label>
            <label>Status <select name="status">\(options(RunStatus.allCases, selected: query.status))</select></label>
            <label>Trigger <select name="trigger">\(options(RunTrigger.allCases, selected: query.trigger))</select></label>
            <label>Find <input name="q" value="\(search ?? "")" placeholder="job, run id or its start, param value"></label>
            <label>Queue <input name="queue" value="\(query.queue ?? "")"></label>
            <label>From <input name="from" value="\(value("from") ?? "")" placeholder="2026-11-30 or 2026-11-30T14:00"></label>
            <label>To <input name="to" value="\(value("to") ?? "")" placeholder="UTC, before this time"></label>
            <button type="submit">Filter</button>
            </form>
            \(HTML(joining: bulk))
            \(selection)
            <p>\(next)</p>
            """
        return DashboardPage(title: "Runs", section: "Runs", content: content, live: query.before == nil)
    }

    /// A time typed in the Runs filter, in UTC: a day (`2026-11-30`), or a day and a time
    /// (`2026-11-30T14:00`, `2026-11-30 14:00:30`, with or without `Z`).
    static func filterTime(_ text: String, field: String) throws(DashboardActionError) -> Date {
        var normalized = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "T")
        if normalized.hasSuffix("Z") { normalized.removeLast() }
        switch normalized.count {
        case 10: normalized += "T00:00:00"
        case 16: normalized += ":00"
        default: break
        }
        guard normalized.count == 19, let date = ISO8601Format.date(from: normalized + "Z") else {
            throw DashboardActionError(
                status: .badRequest,
                message:
                    "\(field): '\(text)' is not a time; write a day such as 2026-11-30 or a time such as 2026-11-30T14:00 (UTC).")
        }
        return date
    }

    /// Runs as a table; `selectable` adds a tick box per run that can be retried or cancelled.
    func runTable(_ runs: [Run], now: Date, session: DashboardSession, selectable: Bool) -> HTML {
        guard !runs.isEmpty else { return "<p>No runs.</p>" }
        let rows = runs.map { run -> HTML in
            let tick: HTML =
                selectable
                ? (RunRetry.retryable.contains(run.status) || !run.status.isFinished
                    ? HTML("<td><input type=\"checkbox\" name=\"run-\(run.id.lowercasedText)\" aria-label=\"select\"></td>")
                    : HTML("<td></td>"))
                : .empty
            let result = run.error ?? run.details.summary
            return """
                <tr data-run="\(run.id.lowercasedText)">\(tick)<td>\(runLink(run))</td><td>\(jobLink(run.job))</td><td>\(Self.badge(run.status.rawValue))</td>\
                <td>\(run.trigger.rawValue)\(run.triggeredBy.map { " by \($0)" } ?? "")</td><td>\(run.queue)</td><td>\(run.attempt)</td>\
                <td>\(Self.ago(run.createdAt, now: now))</td><td>\(Self.duration(from: run.startedAt, to: run.endedAt, now: now))</td><td class="result">\(String(result.prefix(200)))</td></tr>
                """
        }
        return """
            <table class="runs"><thead><tr>\(selectable ? HTML("<th></th>") : .empty)<th>Run</th><th>Job</th><th>Status</th><th>Trigger</th><th>Queue</th><th>Attempt</th><th>Created</th><th>Took</th><th>Result</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    /// One run: its timeline (queued, each attempt with worker, times, outcome, error and
    /// output), params, window, details, progress, trigger; cancel and retry for admins.
    func runPage(_ session: DashboardSession, id: String) async throws -> DashboardPage {
        guard let uuid = UUID(uuidString: id), let run = try await store.run(id: uuid) else {
            throw DashboardNotFound(what: "run \(id)")
        }
        let now = try await store.databaseNow()
        let attempts = try await store.attempts(of: uuid)
        // A retry names the run it retries in its unique key (`retry:<id>`).
        let retried =
            run.trigger == .retry ? run.uniqueKey?.split(separator: ":").last.flatMap { UUID(uuidString: String($0)) } : nil
        let origin: HTML =
            retried.map { id -> HTML in
                ", a retry of run <a href=\"\(path("/runs/" + id.lowercasedText))\">\(String(id.lowercasedText.prefix(13)))</a>"
            } ?? .empty
        var timeline: [HTML] = [
            "<li><strong>queued</strong> \(Self.time(run.createdAt)) (\(run.trigger.rawValue)\(run.triggeredBy.map { " by \($0)" } ?? "")\(origin))\(run.scheduledFor.map { " for the fire at \(Self.time($0))" } ?? "")</li>"
        ]
        for attempt in attempts {
            let output: HTML = attempt.output.map { "<pre class=\"output\">\($0)</pre>" } ?? .empty
            let errorText: HTML = attempt.error.map { "<div class=\"error-text\">\($0)</div>" } ?? .empty
            // What became of the run after this attempt, in words: a lost attempt was rescued
            // by another instance, a failed one retried by the job's policy.
            let again = run.attempt > attempt.attempt
            let sequel: HTML
            switch (attempt.outcome, again) {
            case ("lost", true):
                sequel =
                    "<div class=\"sequel\">Rescued: its worker stopped heartbeating, so the run was queued again as attempt \(attempt.attempt + 1).</div>"
            case ("lost", false):
                sequel =
                    "<div class=\"sequel\">Rescued: its worker stopped heartbeating, and no attempt was left, so the run ended.</div>"
            case ("succeeded", _), (_, false):
                sequel = .empty
            default:
                sequel = "<div class=\"sequel\">Retried by the job's policy as attempt \(attempt.attempt + 1).</div>"
            }
            timeline.append(
                """
                <li><strong>attempt \(attempt.attempt): \(attempt.outcome)</strong> on \(attempt.worker ?? "?"), \
                \(Self.time(attempt.startedAt)) to \(Self.time(attempt.endedAt)) \
                (\(Self.duration(from: attempt.startedAt, to: attempt.endedAt, now: now)))\
                \(errorText)\(output)\(sequel)</li>
                """)
        }
        if run.status == .running {
            timeline.append(
                "<li><strong>attempt \(run.attempt): running</strong> on \(run.worker ?? "?") since \(Self.time(run.startedAt)), <progress max=\"100\" value=\"\(run.progress)\">\(run.progress)%</progress> \(run.progress)%</li>"
            )
        } else if run.status == .queued, run.attempt > 1 {
            timeline.append("<li><strong>retry \(run.attempt)</strong> due \(Self.time(run.runAfter))</li>")
        } else if run.status.isFinished {
            timeline.append(
                "<li><strong>\(run.status.rawValue)</strong> \(Self.time(run.endedAt))\(run.error.map { ": \($0)" } ?? "")</li>")
        }
        var actions: [HTML] = []
        if session.mayAct(on: run.job) {
            if !run.status.isFinished {
                actions.append(
                    actionForm(
                        "/runs/\(run.id.lowercasedText)/cancel", label: "Cancel", session: session, confirm: "Cancel this run?"))
            }
            if RunRetry.retryable.contains(run.status) {
                actions.append(actionForm("/runs/\(run.id.lowercasedText)/retry", label: "Retry", session: session))
            }
        }
        let window: HTML =
            run.window.map { "<tr><th>window</th><td>\(Self.time($0.from)) to \(Self.time($0.to))</td></tr>" } ?? .empty
        let content: HTML = """
            <h1>Run <code>\(run.id.lowercasedText)</code></h1>
            <p>\(jobLink(run.job)) \(Self.badge(run.status.rawValue)) <span id="progress">progress \(run.progress)%</span> \(actions)</p>
            <table class="settings"><tbody>
            <tr><th>trigger</th><td>\(run.trigger.rawValue)\(run.triggeredBy.map { " by \($0)" } ?? "")</td></tr>
            <tr><th>queue</th><td>\(run.queue)</td></tr><tr><th>attempt</th><td>\(run.attempt) of \(run.maxAttempts)</td></tr>
            <tr><th>dry run</th><td>\(run.dryRun ? "yes" : "no")</td></tr>\(window)
            <tr><th>created</th><td>\(Self.time(run.createdAt)) (\(Self.ago(run.createdAt, now: now)))</td></tr>
            </tbody></table>
            <section><h2>Timeline</h2><ol class="timeline">\(timeline)</ol></section>
            <section><h2>Params</h2><pre>\(JSONValue.object(run.params).prettyText)</pre></section>
            <section><h2>Details</h2><pre>\(JSONValue.object(run.details).prettyText)</pre></section>
            """
        return DashboardPage(
            title: "Run \(run.id.lowercasedText.prefix(8))", section: "Runs", content: content, live: !run.status.isFinished)
    }
}
