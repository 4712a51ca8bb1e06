import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import Nightshift
import NightshiftServer

/// The dashboard's router, signed in as an admin, loading pages in this process: what the
/// benchmarks time (the pages' store reads and rendering, without a network).
struct DashboardClient: Sendable {
    private let responder: Router<BasicRequestContext>.Responder
    private let cookie: String
    private let logger: Logger

    /// A dashboard over `store` and `jobs`, signed in.
    init(store: any JobStore, jobs: [Job], logger: Logger) async throws {
        let token = APIToken(name: "bench", role: .admin, secret: "bench-secret")
        let router = Router()
        Dashboard(store: store, jobs: jobs, tokens: [token], configuration: .init()).addRoutes(to: router)
        responder = router.buildResponder()
        self.logger = logger
        let request = Request(
            head: HTTPRequest(
                method: .post, scheme: "http", authority: "bench", path: "/sign-in",
                headerFields: [.contentType: "application/x-www-form-urlencoded"]),
            body: RequestBody(buffer: ByteBuffer(string: "token=bench-secret")))
        let response = try await responder.respond(
            to: request, context: BasicRequestContext(source: .init(channel: NIOAsyncTestingChannel(), logger: logger)))
        guard let cookie = response.headers[.setCookie]?.split(separator: ";").first else {
            throw BenchmarkError("signing in to the dashboard failed: \(response.status)")
        }
        self.cookie = String(cookie)
    }

    /// Loads the page at `path`; throws unless it answers 200.
    func load(_ path: String) async throws {
        let request = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "bench", path: path, headerFields: [.cookie: cookie]),
            body: RequestBody(buffer: ByteBuffer()))
        let response = try await responder.respond(
            to: request, context: BasicRequestContext(source: .init(channel: NIOAsyncTestingChannel(), logger: logger)))
        guard response.status == .ok else { throw BenchmarkError("\(path) answered \(response.status)") }
    }
}
