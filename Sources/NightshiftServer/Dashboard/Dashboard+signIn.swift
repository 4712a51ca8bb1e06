import Foundation
import HTTPTypes
import Hummingbird
import Nightshift

extension Dashboard {
    /// The sign-in form: an API token (admin, viewer or trigger).
    func signInPage(_ request: Request, error: String?, status: HTTPResponse.Status = .ok) -> Response {
        let problem: HTML = error.map { "<p class=\"error\" role=\"alert\">\($0)</p>" } ?? .empty
        let page: HTML = """
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in · Nightshift</title><link rel="stylesheet" href="\(path("/assets/dashboard.css"))"></head>
            <body class="sign-in">
            <main>
            <h1>Nightshift</h1>
            \(problem)
            <form method="post" action="\(path("/sign-in"))">
            <label for="token">API token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
            <button type="submit">Sign in</button>
            </form>
            <p class="hint">Use a token from <code>server.tokens</code>, or the one-time token <code>nightshift serve</code> printed. An admin token may act; a viewer token only sees; a trigger token may not sign in.</p>
            </main>
            </body>
            </html>
            """
        return Self.htmlResponse(page.markup, status: status)
    }

    /// Checks the token and starts a session.
    func signIn(_ request: Request) async throws -> Response {
        // Login CSRF: another site's form must not sign this browser in to a session of its
        // own token. `Sec-Fetch-Site` and not `Origin`, which a proxy in front rewriting `Host`
        // would seem to contradict.
        if let site = request.headers[Self.fetchSite], site == "cross-site" || site == "same-site" {
            return signInPage(request, error: "Sign in from this page, not from another site's form.", status: .forbidden)
        }
        let form = try await DashboardForm.read(request)
        guard let presented = form["token"], let token = authenticator.token(presented: presented) else {
            return signInPage(request, error: "That token is not one of this server's tokens.", status: .unauthorized)
        }
        // The API's role table: a trigger token may start runs, not read their params and output.
        guard APIRole.readers.contains(token.role) else {
            return signInPage(
                request, error: "A \(token.role.rawValue) token may not sign in: use an admin or viewer token.",
                status: .forbidden)
        }
        let session = DashboardSession(
            name: token.name, role: token.role, jobs: token.jobs,
            expires: Date().addingTimeInterval(configuration.sessionLifetime.inSeconds).timeIntervalSince1970,
            csrf: DashboardSession.randomToken(), token: DashboardSession.fingerprint(of: token, secret: key))
        logger.info("dashboard: \(token.name) signed in", metadata: ["by": "\(token.name)", "role": "\(token.role.rawValue)"])
        var response = redirect(to: configuration.prefix.isEmpty ? "/" : configuration.prefix)
        response.headers[.setCookie] = cookie(for: session)
        return response
    }

    /// Ends the session (a form with the session's CSRF token; a forged one is refused).
    func signOut(_ request: Request) async throws -> Response {
        let form = try await DashboardForm.read(request)
        if let session = try await session(of: request) {
            guard form["csrf"] == session.csrf else {
                return Self.htmlResponse(
                    Self.message("Forbidden: this form is not from your session.").markup, status: .forbidden)
            }
            // Ended for every copy of the cookie, not only this browser's.
            try await store.revokeSession(session.id, expiresAt: Date(timeIntervalSince1970: session.expires))
            logger.info("dashboard: \(session.name) signed out", metadata: ["by": "\(session.name)"])
        }
        var response = redirect(to: path("/sign-in"))
        response.headers[.setCookie] = cookie(for: nil)
        return response
    }

    /// The header browsers send with where a request came from (`same-origin`, `same-site`,
    /// `cross-site` or `none`).
    static let fetchSite = HTTPField.Name("Sec-Fetch-Site")!
}
