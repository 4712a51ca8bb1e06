import Foundation
import Nightshift

extension Dashboard {
    /// The page around `page`'s content: navigation, a search, who is signed in, sign-out, and
    /// the runs by state (`counts`, when the store answered), each a link to those runs.
    func layout(_ page: DashboardPage, session: DashboardSession, counts: StateCounts?) -> HTML {
        let sections: [(String, String)] = [
            ("Overview", "/"), ("Jobs", "/jobs"), ("Runs", "/runs"), ("Queues", "/queues"), ("Failures", "/failures"),
        ]
        let navigation = sections.map { title, target -> HTML in
            let href = target == "/" ? (configuration.prefix.isEmpty ? "/" : configuration.prefix) : path(target)
            return "<a href=\"\(href)\"\(HTML(trusted: title == page.section ? " aria-current=\"page\"" : ""))>\(title)</a>"
        }
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(page.title) · Nightshift</title>
            <link rel="stylesheet" href="\(path("/assets/dashboard.css"))">
            <script src="\(path("/assets/dashboard.js"))" defer></script>
            </head>
            <body>
            <header>
            <strong>Nightshift</strong>
            <nav>\(navigation)</nav>
            <form method="get" action="\(path("/runs"))" class="search" role="search">
            <input name="q" aria-label="Find runs" placeholder="Find: job, run id, param value">
            </form>
            <form method="post" action="\(path("/sign-out"))" class="who">
            <span>\(session.name) (\(session.role.rawValue))</span>
            <input type="hidden" name="csrf" value="\(session.csrf)">
            <button type="submit">Sign out</button>
            </form>
            </header>
            \(counts.map(stateStrip) ?? .empty)
            <main\(HTML(trusted: page.live ? " data-live=\"2000\"" : ""))>
            \(page.content)
            </main>
            </body>
            </html>
            """
    }

    /// The runs by state, each a link to them on the Runs page.
    func stateStrip(_ counts: StateCounts) -> HTML {
        // The Runs filter takes a UTC time to the minute.
        let from = String(ISO8601Format.string(from: counts.since).prefix(16))
        func link(_ status: RunStatus, _ count: Int, ended: Bool) -> HTML {
            let target = "/runs?status=\(status.rawValue)" + (ended ? "&from=\(from)" : "")
            return "<a href=\"\(path(target))\" class=\"state \(status.rawValue)\">\(status.rawValue) <b>\(count)</b></a>"
        }
        return """
            <nav class="states" aria-label="Runs by state">\
            <span>now</span>\(counts.current.map { link($0.status, $0.count, ended: false) })\
            <span>ended in the last 24 h</span>\(counts.ended.map { link($0.status, $0.count, ended: true) })\
            </nav>
            """
    }

    /// A form posting to `action` with the session's CSRF token; `confirm` asks first (with the
    /// script).
    func actionForm(_ action: String, label: String, session: DashboardSession, confirm: String? = nil, fields: HTML = .empty)
        -> HTML
    {
        let ask = confirm.map { text -> HTML in " data-confirm=\"\(text)\"" } ?? .empty
        return """
            <form method="post" action="\(path(action))" class="inline"\(ask)>\
            <input type="hidden" name="csrf" value="\(session.csrf)">\(fields)\
            <button type="submit">\(label)</button></form>
            """
    }

    /// A run's status as a coloured label.
    static func badge(_ status: String) -> HTML { "<span class=\"badge \(status.lowercased())\">\(status)</span>" }

    /// A time the one way every page writes it, `2026-12-07 20:09:19 UTC`, or `-`.
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        // `2026-12-07T20:09:19.250Z`, to the second and spelled for people.
        let iso = ISO8601Format.string(from: date)
        return "\(iso.prefix(10)) \(iso.dropFirst(11).prefix(8)) UTC"
    }

    /// How long a run or attempt took from `start` to `end` (to `now` while it runs, said so), or
    /// `-` before it started.
    static func duration(from start: Date?, to end: Date?, now: Date) -> String {
        guard let start else { return "-" }
        let seconds = max(0, (end ?? now).timeIntervalSince(start))
        let text = DurationText.format(seconds)
        return end == nil ? "running \(text)" : text
    }

    /// How long ago `date` was, in words, from `now`.
    static func ago(_ date: Date?, now: Date) -> String {
        guard let date else { return "never" }
        let seconds = now.timeIntervalSince(date)
        return seconds < 0 ? "in \(DurationText.format((-seconds).rounded()))" : "\(DurationText.format(seconds.rounded())) ago"
    }

    /// A link to run `id`.
    func runLink(_ run: Run) -> HTML {
        "<a href=\"\(path("/runs/" + run.id.lowercasedText))\">\(String(run.id.lowercasedText.prefix(13)))</a>"
    }

    /// A link to job `name`.
    func jobLink(_ name: String) -> HTML { "<a href=\"\(path("/jobs/" + HTML.urlComponent(name)))\">\(name)</a>" }
}
