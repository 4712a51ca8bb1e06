import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Nightshift
import NightshiftServer
import NightshiftTesting
import Synchronization
import Testing

/// The dashboard through Hummingbird's test client, on the memory store: sessions, roles,
/// CSRF, escaping and the security headers. (`DashboardBrowserTests` drives it in Chromium.)
@Suite struct DashboardTests {
    static let tokens = [
        APIToken(name: "ops", role: .admin, secret: "admin-secret"),
        APIToken(name: "dash", role: .viewer, secret: "viewer-secret"),
    ]

    /// A dashboard (under `prefix`) over a memory store holding job `j` and its runs.
    func withDashboard(
        prefix: String = "", clock: any EngineClock = SystemClock(),
        _ body: @escaping @Sendable (any TestClientProtocol, MemoryJobStore) async throws -> Void
    ) async throws {
        let store = MemoryJobStore(clock: clock)
        let job = try Job(name: "j", schedule: try Schedule("0 3 * * 1-5")) { _ in [:] }
        try await store.register([JobRegistration(job)])
        let dashboard = Dashboard(store: store, jobs: [job], tokens: Self.tokens, configuration: .init(prefix: prefix))
        let router = Router()
        dashboard.addRoutes(to: router)
        try await Application(router: router).test(.router) { client in try await body(client, store) }
    }

    /// Signs in with `secret`; returns the session cookie.
    func signIn(_ client: any TestClientProtocol, _ secret: String, prefix: String = "") async throws -> String {
        let response = try await client.execute(
            uri: prefix + "/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "token=\(secret)"))
        #expect(response.status == .seeOther)
        let setCookie = try #require(response.headers[.setCookie])
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Max-Age=43200"))
        return String(try #require(setCookie.split(separator: ";").first))
    }

    func get(_ client: any TestClientProtocol, _ uri: String, cookie: String?) async throws -> (
        HTTPResponse.Status, String, HTTPFields
    ) {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        let response = try await client.execute(uri: uri, method: .get, headers: headers)
        return (response.status, String(buffer: response.body), response.headers)
    }

    func post(_ client: any TestClientProtocol, _ uri: String, cookie: String, form: String) async throws -> HTTPResponse.Status {
        try await client.execute(
            uri: uri, method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: form)
        ).status
    }

    func csrf(in page: String) throws -> String {
        String(try #require(page.firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1))
    }

    @Test("anonymous visits go to sign-in; a wrong token is refused; pages carry a strict Content-Security-Policy")
    func signInAndHeaders() async throws {
        try await withDashboard { client, _ in
            let (status, _, headers) = try await get(client, "/", cookie: nil)
            #expect(status == .seeOther && headers[.location] == "/sign-in")
            let wrong = try await client.execute(
                uri: "/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=nope"))
            #expect(wrong.status == .unauthorized)
            // A body that is not valid percent-encoding is a wrong token, not a trap.
            let garbled = try await client.execute(
                uri: "/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=%zz%E2%28 x"))
            #expect(garbled.status == .unauthorized)
            // Login CSRF: another site's form posting a right token signs nobody in.
            for site in ["cross-site", "same-site"] {
                let forged = try await client.execute(
                    uri: "/sign-in", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("Sec-Fetch-Site")!: site],
                    body: ByteBuffer(string: "token=viewer-secret"))
                #expect(forged.status == .forbidden && forged.headers[.setCookie] == nil, "\(site)")
            }
            let cookie = try await signIn(client, "viewer-secret")
            let (pageStatus, page, pageHeaders) = try await get(client, "/", cookie: cookie)
            #expect(pageStatus == .ok && page.contains("Overview") && page.contains("dash (viewer)"))
            let policy = try #require(pageHeaders[.contentSecurityPolicy])
            #expect(
                policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && !policy.contains("unsafe-inline")
            )
            #expect(pageHeaders[HTTPField.Name("X-Frame-Options")!] == "DENY")
            // A tampered cookie is no session.
            let (tampered, _, tamperedHeaders) = try await get(
                client, "/jobs", cookie: cookie.replacingOccurrences(of: ".", with: "x."))
            #expect(tampered == .seeOther && tamperedHeaders[.location] == "/sign-in")
            // The live refresh asks for the content only.
            let partial = try await client.execute(
                uri: "/jobs", method: .get, headers: [.cookie: cookie, HTTPField.Name("X-Nightshift-Partial")!: "1"])
            let partialBody = String(buffer: partial.body)
            #expect(partialBody.contains("<h1>Jobs</h1>") && !partialBody.contains("<html"))
        }
    }

    @Test("a viewer sees no action and a forged one gets 403; an admin's action needs the session's CSRF token")
    func rolesAndCSRF() async throws {
        try await withDashboard { client, store in
            let viewer = try await signIn(client, "viewer-secret")
            let (_, viewerPage, _) = try await get(client, "/jobs", cookie: viewer)
            #expect(!viewerPage.contains("/jobs/j/pause") && !viewerPage.contains("Run now"))
            #expect(viewerPage.contains("at 03:00 on weekdays"), "the schedule in words")
            #expect(
                try await post(client, "/jobs/j/pause", cookie: viewer, form: "csrf=\(try csrf(in: viewerPage))") == .forbidden)
            let admin = try await signIn(client, "admin-secret")
            let (_, adminPage, _) = try await get(client, "/jobs", cookie: admin)
            #expect(adminPage.contains("/jobs/j/pause") && adminPage.contains("Run now"))
            #expect(try await post(client, "/jobs/j/pause", cookie: admin, form: "") == .forbidden)
            #expect(
                try await post(client, "/jobs/j/pause", cookie: admin, form: "csrf=\(try csrf(in: viewerPage))") == .forbidden)
            #expect(try await store.jobStates().first?.paused == false)
            #expect(try await post(client, "/jobs/j/pause", cookie: admin, form: "csrf=\(try csrf(in: adminPage))") == .seeOther)
            #expect(try await store.jobStates().first?.paused == true)
            // Run now, with a date and params.
            let form = "csrf=\(try csrf(in: adminPage))&date=2026-01-31&params=tenant%3Dacme&dry_run=on"
            #expect(try await post(client, "/jobs/j/run", cookie: admin, form: form) == .seeOther)
            let run = try #require(try await store.runs(RunQuery(job: "j")).first)
            #expect(run.triggeredBy == "ops" && run.dryRun && run.params == ["tenant": "acme"] && run.window != nil)
        }
    }

    @Test("every page shows runs by state, each a link to them; the search finds runs by job, start of id and param value")
    func statesAndSearch() async throws {
        try await withDashboard { client, store in
            let acme = try await store.enqueue([NewRun(job: "j", params: ["tenant": "acme"])])[0]
            let other = try await store.enqueue([NewRun(job: "j", params: ["tenant": "globex"])])[0]
            let claimed = try await store.claim(limit: 1, jobs: ["j"], queues: .any, worker: "w")
            #expect(claimed.map(\.id) == [acme.id])
            let viewer = try await signIn(client, "viewer-secret")
            for page in ["/", "/jobs", "/runs", "/queues", "/failures"] {
                let (status, html, _) = try await get(client, page, cookie: viewer)
                #expect(status == .ok, "\(page)")
                #expect(html.contains("href=\"/runs?status=queued\" class=\"state queued\">queued <b>1</b>"), "\(page)")
                #expect(html.contains("href=\"/runs?status=running\" class=\"state running\">running <b>1</b>"), "\(page)")
                #expect(
                    html.firstMatch(of: /href="\/runs\?status=discarded&amp;from=\d{4}-\d\d-\d\dT\d\d:\d\d"/) != nil, "\(page)")
            }
            func found(_ text: String) async throws -> [String] {
                let query = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
                let (_, html, _) = try await get(client, "/runs?q=" + query, cookie: viewer)
                return html.matches(of: /data-run="([0-9a-f-]{36})"/).map { String($0.1) }
            }
            #expect(try await found("globex") == [other.id.lowercasedText])
            // Runs made in the same millisecond share their first 13 characters (the time): 24 tell them apart.
            #expect(try await found(String(acme.id.lowercasedText.prefix(24))) == [acme.id.lowercasedText])
            #expect(Set(try await found("j")) == [acme.id.lowercasedText, other.id.lowercasedText])
            #expect(try await found("nobody").isEmpty)
        }
    }

    @Test("one role table with the API: a trigger token may not sign in; a session ends when its token is rotated")
    func rolesAndRotation() async throws {
        let store = MemoryJobStore()
        let job = try Job(name: "j") { _ in [:] }
        try await store.register([JobRegistration(job)])
        func dashboard(adminSecret: String) -> Router<BasicRequestContext> {
            let router = Router()
            Dashboard(
                store: store, jobs: [job],
                tokens: [
                    APIToken(name: "ops", role: .admin, secret: adminSecret),
                    APIToken(name: "cron", role: .trigger, secret: "trigger-secret"),
                ], configuration: .init(sessionSecret: "shared-between-restarts")
            ).addRoutes(to: router)
            return router
        }
        let signedIn = Mutex("")
        try await Application(router: dashboard(adminSecret: "admin-secret")).test(.router) { client in
            let trigger = try await client.execute(
                uri: "/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=trigger-secret"))
            #expect(trigger.status == .forbidden && String(buffer: trigger.body).contains("may not sign in"))
            let cookie = try await signIn(client, "admin-secret")
            signedIn.withLock { $0 = cookie }
            #expect(try await get(client, "/runs", cookie: cookie).0 == .ok)
        }
        let cookie = signedIn.withLock { $0 }
        // A restart with the same session secret keeps the session, while the token is the same...
        try await Application(router: dashboard(adminSecret: "admin-secret")).test(.router) { client in
            let (status, _, _) = try await get(client, "/runs", cookie: cookie)
            #expect(status == .ok)
        }
        // ...and ends it once the token was rotated: the old cookie may no longer act or read.
        try await Application(router: dashboard(adminSecret: "rotated-secret")).test(.router) { client in
            let (status, _, headers) = try await get(client, "/runs", cookie: cookie)
            #expect(status == .seeOther && headers[.location] == "/sign-in")
            #expect(try await post(client, "/jobs/j/pause", cookie: cookie, form: "csrf=x") == .forbidden)
        }
    }

    @Test("every value from the database is escaped: an error holding markup shows as text")
    func escaping() async throws {
        try await withDashboard { client, store in
            let run = try await store.start(NewRun(job: "j"), worker: "w")
            _ = try await store.complete(
                RunCompletion(
                    runID: run.id, job: "j", attempt: 1, outcome: .finished(.failed),
                    error: "<img src=x onerror=alert(1)><script>alert(2)</script>"))
            let admin = try await signIn(client, "admin-secret")
            for page in ["/", "/runs", "/runs/\(run.id.lowercasedText)", "/failures", "/jobs"] {
                let (status, html, _) = try await get(client, page, cookie: admin)
                #expect(status == .ok, "\(page)")
                #expect(!html.contains("<img src=x") && !html.contains("<script>alert"), "\(page)")
                // And the page's own markup is never escaped (a condition typed as text once was).
                // (and an attempt's error built as text around its markup was).
                let ownMarkupEscaped = html.firstMatch(
                    of: /&lt;\/?(div|pre|p|a|span|t[a-z]*|li|ul|ol|strong|code|form|button|input|h[1-6]|svg|progress)[ &]/)
                #expect(ownMarkupEscaped == nil && !html.contains("HTML(markup"), "\(page)")
            }
            let (_, runPage, _) = try await get(client, "/runs/\(run.id.lowercasedText)", cookie: admin)
            #expect(runPage.contains("&lt;img src=x onerror=alert(1)&gt;"))
        }
    }

    @Test("runs by time, bulk cancel of ticked and of matching runs, chart windows with percentiles, a job's run-time chart")
    func timeFilterCancelAndCharts() async throws {
        try await withDashboard { client, store in
            let now = try await store.databaseNow()
            let done = try await store.start(NewRun(job: "j"), worker: "w")
            _ = try await store.complete(RunCompletion(runID: done.id, job: "j", attempt: 1, outcome: .finished(.succeeded)))
            let queued = try await store.enqueue((0..<5).map { _ in NewRun(job: "j", runAfter: now.addingTimeInterval(3600)) })
            let admin = try await signIn(client, "admin-secret")
            // Times: a day or a day and a time, in UTC; anything else is a 400 that says how to write one.
            let day = ISO8601Format.string(from: now).prefix(10)
            let (inDay, dayPage, _) = try await get(client, "/runs?from=\(day)", cookie: admin)
            #expect(inDay == .ok && dayPage.contains(done.id.lowercasedText))
            let (before, beforePage, _) = try await get(client, "/runs?to=\(day)", cookie: admin)
            #expect(before == .ok && !beforePage.contains(done.id.lowercasedText) && beforePage.contains("No runs."))
            let (bad, badPage, _) = try await get(client, "/runs?from=yesterday-ish", cookie: admin)
            #expect(bad == .badRequest && badPage.contains("From: &#39;yesterday-ish&#39; is not a time"), "\(badPage)")
            // Two ticked runs are cancelled in one go, then every other queued run of the filter.
            let (_, queuedPage, _) = try await get(client, "/runs?status=queued", cookie: admin)
            #expect(
                queuedPage.contains("Cancel every queued run matching this filter")
                    && queuedPage.contains("Cancel the runs ticked"))
            let token = try csrf(in: queuedPage)
            let ticked = queued.prefix(2).map { "run-\($0.id.lowercasedText)=on" }.joined(separator: "&")
            #expect(try await post(client, "/runs/cancel", cookie: admin, form: "csrf=\(token)&\(ticked)") == .seeOther)
            #expect(try await store.runs(RunQuery(job: "j", status: .cancelled)).count == 2)
            #expect(try await post(client, "/runs/cancel", cookie: admin, form: "csrf=\(token)&job=j&status=queued") == .seeOther)
            #expect(
                try await store.runs(RunQuery(job: "j", status: .cancelled)).map(\.error)
                    == Array(repeating: "cancelled by ops", count: 5))
            #expect(try await store.runs(RunQuery(job: "j", status: .queued)).isEmpty)
            #expect(try await post(client, "/runs/cancel", cookie: admin, form: "csrf=\(token)") == .badRequest)
            let viewer = try await signIn(client, "viewer-secret")
            #expect(try await post(client, "/runs/cancel", cookie: viewer, form: "csrf=\(token)&job=j") == .forbidden)
            // The Overview's windows, each with p50 and p95.
            for window in ["1h", "24h", "7d"] {
                let (status, page, _) = try await get(client, "/?window=\(window)", cookie: admin)
                #expect(
                    status == .ok && page.contains("Run time: p50 ≈") && page.contains("<strong>\(window)</strong>"), "\(window)")
            }
            let (_, jobPage, _) = try await get(client, "/jobs/j", cookie: admin)
            #expect(jobPage.contains("Run time and outcome") && jobPage.contains("<rect class=\"succeeded\""))
            // Charts have labelled axes; every time on a page is written one way, in UTC.
            #expect(jobPage.contains("<text class=\"axis\"") && jobPage.contains(" UTC"))
            #expect(jobPage.firstMatch(of: /\d\d:\d\d:\d\d(\.\d+)?Z/) == nil, "an ISO 8601 time on the job page")
            let (_, overview, _) = try await get(client, "/?window=24h", cookie: admin)
            #expect(overview.contains("<text class=\"axis\"") && overview.contains("times in UTC"))
            // Exact for the chart's runs: with fewer than 20 runs, p95 is the longest, never above it.
            #expect(jobPage.firstMatch(of: /p95 ([^,]+), longest \1</) != nil, "\(jobPage)")
        }
    }

    @Test("the date and range fields only for a job that reads a window; no button without a run to act on")
    func formsOnlyWhereTheyAct() async throws {
        let store = MemoryJobStore()
        var plain = try Job(name: "plain", kind: "sql") { _ in [:] }
        plain.takesWindow = false
        let windowed = try Job(name: "windowed") { _ in [:] }
        try await store.register([JobRegistration(plain), JobRegistration(windowed)])
        let dashboard = Dashboard(store: store, jobs: [plain, windowed], tokens: Self.tokens, configuration: .init())
        let router = Router()
        dashboard.addRoutes(to: router)
        try await Application(router: router).test(.router) { client in
            let admin = try await signIn(client, "admin-secret")
            let (_, plainPage, _) = try await get(client, "/jobs/plain", cookie: admin)
            #expect(plainPage.contains("Run plain") && !plainPage.contains("name=\"date\""))
            let (_, windowedPage, _) = try await get(client, "/jobs/windowed", cookie: admin)
            #expect(windowedPage.contains("name=\"date\"") && windowedPage.contains("name=\"from\""))
            let (_, jobs, _) = try await get(client, "/jobs", cookie: admin)
            #expect(jobs.components(separatedBy: "For a date or range").count == 2, "one link, for the windowed job")
            // Nothing failed: no retry button, ticked or matching; nothing queued: no cancel button.
            let (_, failed, _) = try await get(client, "/runs?status=failed", cookie: admin)
            #expect(!failed.contains("Retry every") && !failed.contains("runs ticked"))
            let done = try await store.start(NewRun(job: "plain"), worker: "w")
            _ = try await store.complete(RunCompletion(runID: done.id, job: "plain", attempt: 1, outcome: .succeeded))
            let (_, succeeded, _) = try await get(client, "/runs", cookie: admin)
            #expect(succeeded.contains(done.id.lowercasedText.prefix(13)) && !succeeded.contains("runs ticked"))
        }
    }

    @Test("a run's page says a lost attempt was rescued and queued again, and a retry names the run it retries")
    func rescuesAndRetries() async throws {
        let clock = ManualClock()
        try await withDashboard(clock: clock) { client, store in
            let run = try await store.start(NewRun(job: "j", maxAttempts: 2), worker: "w1")
            clock.advance(by: .seconds(120))
            #expect(try await store.rescueOrphans(staleAfter: .seconds(60), sparing: { [] }).count == 1)
            let admin = try await signIn(client, "admin-secret")
            let (_, page, _) = try await get(client, "/runs/\(run.id.lowercasedText)", cookie: admin)
            #expect(
                page.contains("attempt 1: lost")
                    && page.contains("Rescued: its worker stopped heartbeating, so the run was queued again as attempt 2"),
                "\(page)")
            let failed = try #require(try await store.claim(limit: 1, jobs: ["j"], queues: .any, worker: "w2").first)
            _ = try await store.complete(
                RunCompletion(runID: failed.id, job: "j", attempt: 2, outcome: .finished(.failed), error: "boom"))
            let (_, failedPage, _) = try await get(client, "/runs/\(run.id.lowercasedText)", cookie: admin)
            #expect(
                try await post(
                    client, "/runs/\(run.id.lowercasedText)/retry", cookie: admin, form: "csrf=\(try csrf(in: failedPage))")
                    == .seeOther)
            let retry = try #require(try await store.runs(RunQuery(job: "j", trigger: .retry)).first)
            let (_, retryPage, _) = try await get(client, "/runs/\(retry.id.lowercasedText)", cookie: admin)
            #expect(retryPage.contains("a retry of run <a href=\"/runs/\(run.id.lowercasedText)\">"), "\(retryPage)")
        }
    }

    @Test("signing out ends the session for every copy of its cookie, not only the browser's")
    func signOutRevokes() async throws {
        try await withDashboard { client, _ in
            let cookie = try await signIn(client, "viewer-secret")
            let (_, page, _) = try await get(client, "/", cookie: cookie)
            let other = try await signIn(client, "viewer-secret")
            #expect(try await post(client, "/sign-out", cookie: cookie, form: "csrf=\(try csrf(in: page))") == .seeOther)
            let (status, _, headers) = try await get(client, "/", cookie: cookie)
            #expect(status == .seeOther && headers[.location] == "/sign-in", "the copied cookie still worked")
            let (otherStatus, _, _) = try await get(client, "/", cookie: other)
            #expect(otherStatus == .ok, "another session of the same token ended too")
        }
    }

    @Test("behind a reverse proxy the dashboard lives under its prefix, cookie path included")
    func prefix() async throws {
        try await withDashboard(prefix: "/nightshift") { client, _ in
            let (status, _, headers) = try await get(client, "/nightshift", cookie: nil)
            #expect(status == .seeOther && headers[.location] == "/nightshift/sign-in")
            let response = try await client.execute(
                uri: "/nightshift/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=admin-secret"))
            #expect(response.headers[.setCookie]?.contains("Path=/nightshift;") == true)
            let cookie = String(try #require(response.headers[.setCookie]?.split(separator: ";").first))
            let (pageStatus, page, _) = try await get(client, "/nightshift/jobs", cookie: cookie)
            #expect(
                pageStatus == .ok && page.contains("href=\"/nightshift/runs\"")
                    && page.contains("/nightshift/assets/dashboard.css"))
        }
    }

    @Test("schedules in words")
    func scheduleWords() {
        #expect(Dashboard.describeSchedule("0 */6 * * *") == "every 6 hours at :00")
        #expect(Dashboard.describeSchedule("0 3 * * 1-5") == "at 03:00 on weekdays")
        #expect(Dashboard.describeSchedule("30 2 * * *") == "at 02:30 every day")
        #expect(Dashboard.describeSchedule("@every 90s") == "every 1m30s")
        #expect(Dashboard.describeSchedule("*/15 * * * *") == "every 15 minutes")
        #expect(Dashboard.describeSchedule("0 0 1 * *") == "0 0 1 * *")
        #expect(Dashboard.describeSchedule(nil) == "on demand")
        // Six fields, seconds first.
        #expect(Dashboard.describeSchedule("* * * * * *") == "every second")
        #expect(Dashboard.describeSchedule("*/10 * * * * *") == "every 10 seconds")
        #expect(Dashboard.describeSchedule("0 0 3 * * 1-5") == "at 03:00 on weekdays")
        #expect(Dashboard.describeSchedule("15 */5 * * * *") == "every 5 minutes, at second 15")
        #expect(Dashboard.describeSchedule("5,10 * * * * *") == "5,10 * * * * *")
    }
}
