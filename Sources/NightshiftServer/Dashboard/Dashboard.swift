import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Nightshift

/// The dashboard: pages for people, rendered on the server, to see and steer jobs, runs and
/// queues. Sign in with an API token; a viewer sees everything and no action; an admin may run,
/// pause, resume, retry and cancel. No JavaScript is needed to read or act; a small script adds
/// live refresh and confirmations.
///
/// `nightshift serve` serves it at `/` beside the API; a Hummingbird app can mount it too:
/// ```swift
/// Dashboard(store: store, jobs: jobs, tokens: tokens, configuration: .init()).addRoutes(to: router)
/// ```
public struct Dashboard: Sendable {
    /// The dashboard's settings.
    public struct Configuration: Sendable {
        /// Where it is served, such as `/nightshift` behind a reverse proxy; empty for `/`.
        public var prefix: String
        /// The key sessions are signed with; sessions signed by one instance are good on every
        /// instance with the same secret. Nil: a random key, so sessions end when the server
        /// restarts.
        public var sessionSecret: String?
        /// How long a session lasts.
        public var sessionLifetime: Duration
        /// Whether cookies are sent over HTTPS only (when the public URL is `https`).
        public var secureCookies: Bool
        /// The engines the pages speak of.
        public var engine: ReportedEngine

        /// Settings; the defaults serve at `/` with 12-hour sessions.
        public init(
            prefix: String = "", sessionSecret: String? = nil, sessionLifetime: Duration = .seconds(12 * 3600),
            secureCookies: Bool = false, engine: ReportedEngine = ReportedEngine()
        ) {
            var prefix = prefix
            while prefix.hasSuffix("/") { prefix.removeLast() }
            if !prefix.isEmpty, !prefix.hasPrefix("/") { prefix = "/" + prefix }
            self.prefix = prefix
            self.sessionSecret = sessionSecret
            self.sessionLifetime = sessionLifetime
            self.secureCookies = secureCookies
            self.engine = engine
        }
    }

    let store: any JobStore
    let jobs: [Job]
    let jobsByName: [String: Job]
    let authenticator: TokenAuthenticator
    let configuration: Configuration
    let key: SymmetricKey
    let logger: Logger
    let onEnqueued: @Sendable () -> Void

    /// A dashboard over `store` for `jobs`, signing in with `tokens`; `logger` gets who did what.
    public init(
        store: any JobStore, jobs: [Job], tokens: [APIToken], configuration: Configuration,
        logger: Logger = Logger(label: "nightshift-dashboard"), onEnqueued: @escaping @Sendable () -> Void = {}
    ) {
        self.store = store
        self.jobs = jobs
        jobsByName = Dictionary(jobs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        authenticator = TokenAuthenticator(tokens: tokens)
        self.configuration = configuration
        key =
            configuration.sessionSecret.map { SymmetricKey(data: SHA256.hash(data: Data($0.utf8))) }
            ?? SymmetricKey(size: .bits256)
        self.logger = logger
        self.onEnqueued = onEnqueued
    }

    /// A path under the dashboard's prefix.
    func path(_ path: String) -> String { configuration.prefix + path }

    /// Adds the pages, their actions and their assets to `router`.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        let root = configuration.prefix.isEmpty ? "/" : configuration.prefix
        router.get(RouterPath(root)) { request, _ in
            try await self.page(request) { try await self.overview($0, request: request) }
        }
        router.get(RouterPath(path("/sign-in"))) { request, _ in self.signInPage(request, error: nil) }
        router.post(RouterPath(path("/sign-in"))) { request, _ in try await self.signIn(request) }
        router.post(RouterPath(path("/sign-out"))) { request, _ in try await self.signOut(request) }
        router.get(RouterPath(path("/jobs"))) { request, _ in try await self.page(request) { try await self.jobsPage($0) } }
        router.get(RouterPath(path("/jobs/:name"))) { request, context in
            let name = try AdminAPI.pathParameter("name", of: context)
            return try await self.page(request) { try await self.jobPage($0, name: name, request: request) }
        }
        router.get(RouterPath(path("/runs"))) { request, _ in
            try await self.page(request) { try await self.runsPage($0, request: request) }
        }
        router.get(RouterPath(path("/runs/:id"))) { request, context in
            let id = try AdminAPI.pathParameter("id", of: context)
            return try await self.page(request) { try await self.runPage($0, id: id) }
        }
        router.get(RouterPath(path("/queues"))) { request, _ in try await self.page(request) { try await self.queuesPage($0) } }
        router.get(RouterPath(path("/failures"))) { request, _ in
            try await self.page(request) { try await self.failuresPage($0, request: request) }
        }
        router.post(RouterPath(path("/jobs/:name/:action"))) { request, context in
            let name = try AdminAPI.pathParameter("name", of: context)
            let action = try AdminAPI.pathParameter("action", of: context)
            return try await self.action(request) { try await self.jobAction($0, job: name, action: action, form: $1) }
        }
        router.post(RouterPath(path("/runs/retry"))) { request, _ in
            try await self.action(request) { try await self.runAction($0, id: "retry", action: "retry", form: $1) }
        }
        router.post(RouterPath(path("/runs/cancel"))) { request, _ in
            try await self.action(request) { try await self.cancelMany($0, form: $1) }
        }
        router.post(RouterPath(path("/runs/:id/:action"))) { request, context in
            let id = try AdminAPI.pathParameter("id", of: context)
            let action = try AdminAPI.pathParameter("action", of: context)
            return try await self.action(request) { try await self.runAction($0, id: id, action: action, form: $1) }
        }
        router.post(RouterPath(path("/queues/:name/:action"))) { request, context in
            let name = try AdminAPI.pathParameter("name", of: context)
            let action = try AdminAPI.pathParameter("action", of: context)
            return try await self.action(request) { try await self.queueAction($0, queue: name, action: action, form: $1) }
        }
        router.get(RouterPath(path("/assets/dashboard.css"))) { _, _ in DashboardAssets.css }
        router.get(RouterPath(path("/assets/dashboard.js"))) { _, _ in DashboardAssets.javascript }
    }

    // MARK: Sessions

    /// The request's session, if its cookie is valid, its token is still configured with the
    /// same secret and a role that may read, and the session was not ended by signing out (one
    /// lookup in the store, checked only for a cookie whose signature holds). Its role and jobs
    /// are the token's as configured now.
    func session(of request: Request) async throws -> DashboardSession? {
        guard let cookies = request.headers[.cookie] else { return nil }
        for cookie in cookies.split(separator: ";") {
            let parts = cookie.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0] == DashboardSession.cookieName else { continue }
            guard var session = DashboardSession.verify(String(parts[1]), secret: key, now: Date()),
                let token = authenticator.tokens.first(where: { $0.name == session.name }),
                TokenAuthenticator.constantTimeEquals(
                    Array(DashboardSession.fingerprint(of: token, secret: key).utf8), Array(session.token.utf8)),
                APIRole.readers.contains(token.role)
            else { return nil }
            session.role = token.role
            session.jobs = token.jobs
            return try await store.isSessionRevoked(session.id) ? nil : session
        }
        return nil
    }

    /// The `Set-Cookie` value for `session`, or one that ends the session.
    func cookie(for session: DashboardSession?) -> String {
        let value = session?.cookieValue(secret: key) ?? ""
        let maxAge = session == nil ? 0 : Int(configuration.sessionLifetime.inSeconds)
        let path = configuration.prefix.isEmpty ? "/" : configuration.prefix
        return "\(DashboardSession.cookieName)=\(value); Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
            + (configuration.secureCookies ? "; Secure" : "")
    }

    /// A page for a signed-in person, or a redirect to sign in.
    func page(_ request: Request, _ render: (DashboardSession) async throws -> DashboardPage) async throws -> Response {
        guard let session = try await session(of: request) else { return redirect(to: path("/sign-in")) }
        let page: DashboardPage
        do {
            page = try await render(session)
        } catch let missing as DashboardNotFound {
            return Self.htmlResponse(Self.message("There is no \(missing.what).").markup, status: .notFound)
        } catch let bad as DashboardActionError {
            return Self.htmlResponse(Self.message(bad.message).markup, status: bad.status)
        } catch {
            logger.error("dashboard: a page could not be read", metadata: ["uri": "\(request.uri)", "error": "\(error)"])
            return Self.htmlResponse(
                Self.message("This page could not be read from the store: \(error). Try again in a moment.").markup,
                status: .serviceUnavailable)
        }
        if request.headers[HTTPField.Name("X-Nightshift-Partial")!] != nil {
            return Self.htmlResponse(page.content.markup)
        }
        // The strip is a courtesy: a page whose own reads worked is shown without it if it fails.
        let counts = try? await StateCounts.read(from: store)
        return Self.htmlResponse(layout(page, session: session, counts: counts).markup)
    }

    /// An action from a form: a session with the admin role and the session's CSRF token, else
    /// 403. Answers with a redirect (to the page the action names) so that reloading does not
    /// repeat it.
    func action(
        _ request: Request, _ perform: (DashboardSession, [String: String]) async throws -> String
    ) async throws -> Response {
        let form = try await DashboardForm.read(request)
        guard let session = try await session(of: request),
            form["csrf"].map({ TokenAuthenticator.constantTimeEquals(Array($0.utf8), Array(session.csrf.utf8)) }) == true
        else {
            return Self.htmlResponse(
                Self.message("Forbidden: this form is not from your session. Reload the page and try again.").markup,
                status: .forbidden)
        }
        guard session.mayAct else {
            return Self.htmlResponse(
                Self.message("Forbidden: your token's role (\(session.role.rawValue)) may not change anything.").markup,
                status: .forbidden)
        }
        do {
            return redirect(to: try await perform(session, form))
        } catch let error as DashboardActionError {
            return Self.htmlResponse(Self.message(error.message).markup, status: error.status)
        }
    }

    func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// Security headers every page carries: a strict Content-Security-Policy (only this server's
    /// own stylesheet and script; no inline code), no framing, no sniffing, no caching.
    static func htmlResponse(_ markup: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy:
                "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("X-Frame-Options")!: "DENY",
            HTTPField.Name("Referrer-Policy")!: "same-origin", .cacheControl: "no-store",
        ]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: markup)))
    }

    /// A bare page saying `text`.
    static func message(_ text: String) -> HTML {
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Nightshift</title></head><body><p>\(text)</p></body></html>"
    }
}

/// An action that cannot be done, with the status and message to answer.
struct DashboardActionError: Error {
    var status: HTTPResponse.Status
    var message: String
}
