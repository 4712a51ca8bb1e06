import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Nightshift
import NightshiftServer
import NightshiftTesting
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
        prefix: String = "", _ body: @escaping @Sendable (any TestClientProtocol, MemoryJobStore) async throws -> Void
    ) async throws {
        let store = MemoryJobStore()
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
                #expect(!html.contains("&lt;t") && !html.contains("&lt;p") && !html.contains("HTML(markup"), "\(page)")
            }
            let (_, runPage, _) = try await get(client, "/runs/\(run.id.lowercasedText)", cookie: admin)
            #expect(runPage.contains("&lt;img src=x onerror=alert(1)&gt;"))
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
    }
}
