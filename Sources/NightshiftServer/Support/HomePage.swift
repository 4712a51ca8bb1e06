import HTTPTypes
import Hummingbird
import NIOCore

/// What `GET /` shows a person who opens the server in a browser: what it serves and how to
/// call it (it answered a JSON 404 before). Plain HTML, no script, nothing loaded from elsewhere.
enum HomePage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Nightshift</title>
        <style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}
        code{background:#f3f3f3;padding:0 .2rem}</style></head>
        <body>
        <h1>Nightshift</h1>
        <p>This server runs Nightshift's scheduler and workers, and answers its admin API.</p>
        <ul>
        <li><a href="/api/openapi.json"><code>/api/openapi.json</code></a>: the API, described in OpenAPI 3.1</li>
        <li><code>/api/jobs/status</code>: every job's health, last run and next fire</li>
        <li><code>/api/jobs/runs</code>: the run history</li>
        <li><a href="/healthz"><code>/healthz</code></a>, <a href="/readyz"><code>/readyz</code></a>: liveness and readiness</li>
        <li><a href="/metrics"><code>/metrics</code></a>: Prometheus metrics</li>
        </ul>
        <p>API calls need <code>Authorization: Bearer &lt;token&gt;</code>, with a token from
        <code>server.tokens</code> in the config. Without tokens in the config, <code>nightshift serve</code>
        on 127.0.0.1 prints a token for the run when it starts.</p>
        </body>
        </html>
        """

    static func response() -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
