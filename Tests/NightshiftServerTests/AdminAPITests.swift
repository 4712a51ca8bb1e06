import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOPosix
import Nightshift
import NightshiftServer
import NightshiftSQL
import NightshiftTestSupport
import NightshiftTesting
import Prometheus
import Synchronization
import Testing

@Suite struct AdminAPITests {
    @Test("every role against every endpoint", arguments: TestStoreKind.available)
    func roleMatrix(kind: TestStoreKind) async throws {
        try await APIHarness.with(kind) { api, test in
            let run = try await test.store.enqueue([NewRun(job: "fails", trigger: .manual)])[0]
            let id = run.id.uuidString.lowercased()
            // Every route of the one table, with a path that names something that exists.
            func uri(_ route: APIRoute) -> String {
                var path = route.path.replacingOccurrences(of: "{id}", with: id)
                path = path.replacingOccurrences(of: "{name}", with: path.hasPrefix("/api/queues/") ? "reports" : "ok")
                if route.path.hasPrefix("/api/jobs/run/") { path += "?wait=false" }
                if route.path == "/api/incidents" { path += "?all=true" }
                return path
            }
            typealias Endpoint = (method: HTTPRequest.Method, template: String, uri: String, allowed: Set<String>)
            var endpoints: [Endpoint] = []
            var open: [APIRoute] = []
            for route in AdminAPI.routes {
                switch route.access {
                case .anyone, .metrics: open.append(route)
                case .roles(let roles), .rolesForJob(let roles):
                    // A GET trigger takes only tokens with allow_get, which the plain role tokens lack.
                    let allowed = route.method == .get && route.path.hasPrefix("/api/jobs/run/") ? [] : roles
                    endpoints.append((route.method, route.path, uri(route), Set(allowed.map(\.rawValue))))
                }
            }
            #expect(endpoints.count >= 13, "the table lost its guarded routes")
            for endpoint in endpoints {
                for role in [nil, "unknown", "viewer", "trigger", "admin"] as [String?] {
                    // POST /api/runs reads its runs from the body; the rest take none.
                    let body = endpoint.method == .post && endpoint.template == "/api/runs" ? #"{"job": "ok"}"# : nil
                    let answer = try await api.call(endpoint.method, endpoint.template, endpoint.uri, role: role, body: body)
                    let place = "\(endpoint.method) \(endpoint.uri) as \(role ?? "nobody")"
                    switch role {
                    case nil, "unknown":
                        #expect(answer.status == 401, "\(place)")
                        #expect(answer.headers[.wwwAuthenticate] == "Bearer", "\(place)")
                    case let role? where endpoint.allowed.contains(role):
                        #expect([200, 202, 409].contains(answer.status), "\(place): \(answer.status) \(answer.body)")
                    case let role?
                    where endpoint.method == .get && endpoint.template.hasPrefix("/api/jobs/run/") && role != "viewer":
                        #expect(answer.status == 403 && answer.body.contains("allow_get"), "\(place): \(answer.body)")
                    default:
                        #expect(answer.status == 403, "\(place)")
                        #expect(answer.body == #"{"error":"Insufficient permissions"}"#, "\(place)")
                    }
                    #expect(!answer.body.contains("secret"), "\(place) echoes a token")
                }
            }
            #expect(Set(open.map(\.path)) == ["/healthz", "/readyz", "/metrics", "/api/openapi.json", "/"])
            for route in open {
                #expect(try await api.call(route.method, route.path, role: nil).status == 200, "\(route.path)")
            }
            let scopedGet = try await api.call(.get, "/api/jobs/run/{name}", "/api/jobs/run/ok?wait=false", role: "scoped")
            #expect(scopedGet.status == 202, "a token with allow_get triggers with GET: \(scopedGet.body)")
        }
    }

    @Test(
        "POST /api/runs queues one run or a list in one request; a uniqueKey answers the active run; viewers get 403",
        arguments: TestStoreKind.available)
    func enqueueOverHTTP(kind: TestStoreKind) async throws {
        try await APIHarness.with(kind) { api, test in
            let single = try await api.call(
                .post, "/api/runs", role: "trigger",
                body:
                    #"{"job": "ok", "params": {"invoice": 42}, "uniqueKey": "invoice-42", "priority": 5, "queue": "billing", "runAt": "2099-01-01T00:00:00Z"}"#
            )
            #expect(single.status == 202, "\(single.body)")
            /// The runs of an answer.
            func runs(_ answer: APIHarness.Answer) -> [JSONObject] {
                guard case .array(let items) = answer.json["runs"] else { return [] }
                return items.compactMap { if case .object(let object) = $0 { object } else { nil } }
            }
            let entry = try #require(runs(single).first, "\(single.body)")
            #expect(entry["existing"] == false && entry["queue"] == "billing")
            let again = try await api.call(
                .post, "/api/runs", role: "admin", body: #"[{"job": "ok", "uniqueKey": "invoice-42"}]"#)
            let repeated = try #require(runs(again).first, "\(again.body)")
            #expect(repeated["existing"] == true && repeated["runId"] == entry["runId"], "\(again.body)")
            // The same new key twice in one request: one run, answered twice.
            let pair = try await api.call(
                .post, "/api/runs",
                body:
                    #"[{"job": "ok", "uniqueKey": "pair", "runAt": "2099-01-01T00:00:00Z"}, {"job": "ok", "uniqueKey": "pair"}]"#)
            let both = runs(pair)
            #expect(both.count == 2, "\(pair.body)")
            #expect(both.first?["runId"] == both.last?["runId"] && both.last?["existing"] == true, "\(pair.body)")
            // A thousand runs in one request, one statement.
            let many = (0..<1000).map { #"{"job": "ok", "params": {"n": \#($0)}, "runAt": "2099-01-01T00:00:00Z"}"# }
            let bulk = try await api.call(
                .post, "/api/runs", role: "trigger", body: #"{"runs": ["# + many.joined(separator: ",") + "]}")
            #expect(bulk.status == 202 && runs(bulk).count == 1000, "\(bulk.body.prefix(300))")
            #expect(try await test.store.runs(RunQuery(job: "ok", limit: 1000)).count >= 1000)
            // Roles and bad input.
            #expect(try await api.call(.post, "/api/runs", role: "viewer", body: #"{"job": "ok"}"#).status == 403)
            let bad = try await api.call(.post, "/api/runs", body: #"[{"job": "ok"}, {"job": "ok", "when": "soon"}]"#)
            #expect(bad.status == 400 && bad.json["field"] == "runs[1].when", "\(bad.body)")
            let unknown = try await api.call(.post, "/api/runs", body: #"{"job": "nope"}"#)
            #expect(unknown.status == 404, "\(unknown.body)")
        }
    }

    @Test(
        "a token scoped to jobs gets 403 on others; allow_get triggers with GET; GET without it is refused",
        arguments: TestStoreKind.available)
    func scopedTokens(kind: TestStoreKind) async throws {
        try await APIHarness.with(kind) { api, _ in
            let allowed = try await api.call(.get, "/api/jobs/run/{name}", "/api/jobs/run/ok?wait=false", role: "scoped")
            #expect(allowed.status == 202, "\(allowed.body)")
            let other = try await api.call(.post, "/api/jobs/run/{name}", "/api/jobs/run/fails?wait=false", role: "scoped")
            #expect(other.status == 403 && other.body.contains("this token may act only on 'ok'"), "\(other.body)")
            let enqueued = try await api.call(.post, "/api/runs", role: "scoped", body: #"[{"job": "ok"}, {"job": "fails"}]"#)
            #expect(enqueued.status == 403 && enqueued.json["field"] == "runs[1].job", "\(enqueued.body)")
            let noGet = try await api.call(.get, "/api/jobs/run/{name}", "/api/jobs/run/ok?wait=false", role: "trigger")
            #expect(noGet.status == 403 && noGet.body.contains("allow_get"), "\(noGet.body)")
            // A trigger token reads no history, as the staff token of the admin-api example.
            #expect(try await api.call(.get, "/api/jobs/runs", role: "scoped").status == 403)
            // An admin token scoped to a job may pause that job, but no queue: a queue holds other jobs' runs.
            #expect(try await api.call(.post, "/api/jobs/{name}/pause", "/api/jobs/ok/pause", role: "scoped-admin").status < 300)
            let queue = try await api.call(.post, "/api/queues/{name}/pause", "/api/queues/default/pause", role: "scoped-admin")
            #expect(queue.status == 403 && queue.json["field"] == "queue", "\(queue.body)")
        }
    }

    @Test("wrong tokens from one address: 20 are answered 401, then 429 with Retry-After even for a right one; no token, no wait")
    func wrongTokensAreThrottled() async throws {
        try await APIHarness.with(.sqlite) { api, _ in
            for attempt in 1...20 {
                let answer = try await api.call(.get, "/api/jobs/status", role: "unknown")
                #expect(answer.status == 401, "wrong token \(attempt)")
            }
            let throttled = try await api.call(.get, "/api/jobs/status", role: "unknown")
            #expect(throttled.status == 429 && throttled.json["error"] != nil)
            let wait = try #require(throttled.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...3).contains(wait))
            // The token is not looked at: a guess that happens to be right learns nothing.
            #expect(try await api.call(.get, "/api/jobs/status", role: "admin").status == 429)
            let health = try await api.client.executeRequest(uri: "/healthz", method: .get, headers: [:], body: nil)
            #expect(health.status == .ok)
        }
    }

    @Test("bad input gets a 4xx with a JSON body naming the field", arguments: TestStoreKind.available)
    func badInput(kind: TestStoreKind) async throws {
        try await APIHarness.with(kind) { api, _ in
            let cases: [(HTTPRequest.Method, String, String, String?, Int, String?)] = [
                (.get, "/api/jobs/runs", "/api/jobs/runs?limit=abc", nil, 400, "limit"),
                (.get, "/api/jobs/runs", "/api/jobs/runs?limit=0", nil, 400, "limit"),
                (.get, "/api/jobs/runs", "/api/jobs/runs?limit=-32589158477190044730", nil, 400, "limit"),
                (.get, "/api/jobs/runs", "/api/jobs/runs?limit=1e300", nil, 400, "limit"),
                (.get, "/api/jobs/runs", "/api/jobs/runs?status=done", nil, 400, "status"),
                (.get, "/api/jobs/runs", "/api/jobs/runs?before=yesterday", nil, 400, "before"),
                (.get, "/api/jobs/runs", "/api/jobs/runs?jobs=ok", nil, 400, "jobs"),
                (.get, "/api/jobs/runs", "/api/jobs/runs?job=o%00k", nil, 400, "job"),
                (.get, "/api/jobs/status", "/api/jobs/status?verbose=1", nil, 400, "verbose"),
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", #"{"dryRun":"yes"}"#, 400, "dryRun"),
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", #"{"date":"2026-13-01"}"#, 400, "date"),
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", #"{"from":"2026-01-01"}"#, 400, "to"),
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", #"{"from":"2026-01-05","to":"2026-01-01"}"#, 400, "from"),
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", #"{"params":[1]}"#, 400, "params"),
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", #"{"dryrun":true}"#, 400, "dryrun"),
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", "[1,2]", 400, "body"),
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", "{not json", 400, "body"),
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok?dryRun=true", #"{"dryRun":false}"#, 400, "dryRun"),
                (.get, "/api/jobs/runs/{id}", "/api/jobs/runs/42", nil, 400, "id"),
                // Checked before any window is built (3.65 million days froze the scheduler before).
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", #"{"from":"0001-01-01","to":"9999-12-31"}"#, 400, "to"),
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", #"{"from":"2026-01-01","to":"2027-01-02"}"#, 400, "to"),
                // A lone surrogate killed the server; 65,000 brackets overflowed its stack; 1e999
                // was stored as `inf`, which could not be read back.
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", #"{"params":{"s":"\ud800\u0041"}}"#, 400, "body"),
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", String(repeating: "[", count: 65_000), 400, "body"),
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", #"{"params":{"n":1e999}}"#, 400, "body"),
                // Names a command job could not tell apart in its environment.
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", #"{"params":{"a":1,"A":2}}"#, 400, "params"),
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/ok", #"{"params":{"a b":1}}"#, 400, "params"),
                (.post, "/api/jobs/run/{name}", "/api/jobs/run/nope", nil, 404, nil),
                (.post, "/api/jobs/{name}/pause", "/api/jobs/nope/pause", nil, 404, nil),
                (.get, "/api/jobs/runs/{id}", "/api/jobs/runs/\(UUID().uuidString)", nil, 404, nil),
                (.post, "/api/jobs/runs/{id}/cancel", "/api/jobs/runs/\(UUID().uuidString)/cancel", nil, 404, nil),
            ]
            for (method, template, uri, body, status, field) in cases {
                let answer = try await api.call(method, template, uri, body: body)
                #expect(answer.status == status, "\(method) \(uri) \(body ?? ""): \(answer.status) \(answer.body)")
                #expect(answer.json["error"] != nil, "\(uri): \(answer.body)")
                if let field { #expect(answer.json["field"] == .string(field), "\(uri) \(body ?? ""): \(answer.body)") }
            }
            let wrongMethod = try await api.call(.delete, "/api/jobs/status")
            #expect(wrongMethod.status == 405 && wrongMethod.headers[.allow] == "GET" && wrongMethod.json["error"] != nil)
            // GET triggers only with a token that has allow_get.
            let getTrigger = try await api.call(.get, "/api/jobs/run/{name}", "/api/jobs/run/ok")
            #expect(getTrigger.status == 403 && getTrigger.body.contains("allow_get"), "\(getTrigger.body)")
            let putTrigger = try await api.call(.put, "/api/jobs/run/{name}", "/api/jobs/run/ok")
            #expect(putTrigger.status == 405 && putTrigger.headers[.allow]?.contains("POST") == true)
            let text = try await api.call(
                .post, "/api/jobs/run/{name}", "/api/jobs/run/ok", body: "dryRun=true", contentType: "text/plain")
            #expect(text.status == 415 && text.json["field"] == "body")
            let huge = try await api.call(
                .post, "/api/jobs/run/{name}", "/api/jobs/run/ok",
                body: #"{"params":{"x":""# + String(repeating: "a", count: 70_000) + #""}}"#)
            #expect(huge.status == 413 && huge.json["error"] != nil)
        }
    }

    @Test(
        "triggers run and show in the history with the token's name; wait=false answers 202", arguments: TestStoreKind.available)
    func triggerAndHistory(kind: TestStoreKind) async throws {
        try await APIHarness.with(kind) { api, test in
            let done = try await api.call(
                .post, "/api/jobs/run/{name}", "/api/jobs/run/ok", role: "trigger", body: #"{"params":{"who":"ops"}}"#)
            #expect(done.status == 200)
            #expect(done.json["job"] == "ok")
            #expect(
                done.json["result"]
                    == .object([
                        "details": .object(["expiredCount": 2, "revokedCount": 0, "who": "ops"]), "status": "succeeded",
                        "success": true,
                    ]))
            guard case .string(let runID) = done.json["runId"] else { Issue.record("no runId"); return }

            let history = try await api.call(.get, "/api/jobs/runs", "/api/jobs/runs?job=ok", role: "viewer")
            guard case .array(let runs) = history.json["runs"], case .object(let first) = runs.first else {
                Issue.record("no runs: \(history.body)")
                return
            }
            #expect(first["id"] == .string(runID) && first["triggeredBy"] == "cron" && first["trigger"] == "api")
            #expect(
                try await api.call(.get, "/api/jobs/runs/{id}", "/api/jobs/runs/\(runID)", role: "viewer").json["status"]
                    == "succeeded")

            let queued = try await api.call(.post, "/api/jobs/run/{name}", "/api/jobs/run/slow?wait=false")
            #expect(queued.status == 202 && queued.json["result"] == nil)
            let waited = try await api.call(.post, "/api/jobs/run/{name}", "/api/jobs/run/slow")
            #expect(waited.status == 202, "still running when the 4 s wait ends")
            guard case .string(let slowID) = waited.json["runId"], case .string(let queuedID) = queued.json["runId"] else {
                return
            }
            for id in [slowID, queuedID] {
                let cancel = try await api.call(.post, "/api/jobs/runs/{id}/cancel", "/api/jobs/runs/\(id)/cancel")
                #expect(cancel.status == 202, "\(cancel.body)")
            }
            let cancelledBy = ContinuousClock.now + .seconds(10)
            var slowStatuses: [RunStatus?] = []
            repeat {
                try await Task.sleep(for: .milliseconds(50))
                slowStatuses = [
                    try await test.store.run(id: UUID(uuidString: slowID)!)?.status,
                    try await test.store.run(id: UUID(uuidString: queuedID)!)?.status,
                ]
            } while slowStatuses != [.cancelled, .cancelled] && ContinuousClock.now < cancelledBy
            #expect(slowStatuses == [.cancelled, .cancelled], "the cancelled runs stop at their next heartbeat")

            // A run that failed answers 500 with the same body, so callers that read only the
            // status (curl -f, CI steps, cron services) see the failure.
            let failed = try await api.call(.post, "/api/jobs/run/{name}", "/api/jobs/run/fails")
            #expect(failed.status == 500)
            guard case .object(let result) = failed.json["result"], case .string(let failedID) = failed.json["runId"] else {
                return
            }
            #expect(result["success"] == false && result["status"] == "failed" && result["error"] == "the job failed on purpose")
            let retry = try await api.call(.post, "/api/jobs/runs/{id}/retry", "/api/jobs/runs/\(failedID)/retry")
            #expect(retry.status == 202)
            let again = try await api.call(.post, "/api/jobs/runs/{id}/cancel", "/api/jobs/runs/\(failedID)/cancel")
            #expect(again.status == 409)
            // Many at once (the engine here runs the retries, which fail again; a run whose retry is
            // still active is not retried twice).
            let bulk = try await api.call(
                .post, "/api/runs/retry", body: #"{"job":"fails","status":"failed","since":"1h"}"#)
            #expect(bulk.status == 202, "\(bulk.body)")
            if case .number(let matched) = bulk.json["matched"], case .number(let retried) = bulk.json["retried"],
                case .array(let ids) = bulk.json["runIds"]
            {
                #expect(matched >= 1 && retried <= matched && Double(ids.count) == retried, "\(bulk.body)")
            } else {
                Issue.record("no counts in \(bulk.body)")
            }
            let badSince = try await api.call(.post, "/api/runs/retry", body: #"{"since":"yesterday-ish"}"#)
            #expect(badSince.status == 400 && badSince.body.contains("since"), "\(badSince.body)")

            let range = try await api.call(
                .post, "/api/jobs/run/{name}", "/api/jobs/run/ok",
                body: #"{"startDate":"2026-01-01","endDate":"2026-01-03","dryRun":true}"#)
            #expect(range.status == 200)
            if case .array(let ids) = range.json["runIds"] {
                #expect(ids.count == 3)
            } else {
                Issue.record("no runIds: \(range.body)")
            }
            #expect(try await test.store.runs(RunQuery(job: "ok", limit: 10)).filter { $0.dryRun && $0.window != nil }.count == 3)

            #expect(try await api.call(.post, "/api/jobs/{name}/pause", "/api/jobs/ok/pause").json["paused"] == true)
            let status = try await api.call(.get, "/api/jobs/status")
            guard case .array(let jobs) = status.json["jobs"], case .object(let ok) = jobs.first else {
                Issue.record("no jobs in \(status.body)")
                return
            }
            #expect(
                ok["health"] == "PAUSED" && ok["schedule"] == "0 */6 * * *"
                    && ok["description"] == "Cleanup expired preview sessions")
            #expect(status.json["running"] == true)
        }
    }

    @Test("waits are bounded in number, and a wait ends when its client leaves", arguments: TestStoreKind.available)
    func waitsAreBounded(kind: TestStoreKind) async throws {
        // A minute's wait: only the clients leaving can end these waits within the test's 20 s.
        try await APIHarness.with(kind, waitTimeout: .seconds(60), maxWaitingRequests: 2) { api, test in
            let port = try #require(api.client.port)
            let admin = try #require(api.api)
            // Two clients that wait for a slow run; they are killed below, closing their connections.
            let clients = try (0..<2).map { _ in
                try TestProcess(
                    "curl",
                    [
                        "-s", "-o", "/dev/null", "-m", "50", "-X", "POST", "-H", "Authorization: Bearer admin-secret",
                        "http://127.0.0.1:\(port)/api/jobs/run/slow",
                    ])
            }
            defer { for curl in clients { curl.kill() } }
            let deadline = ContinuousClock.now + .seconds(20)
            while await admin.waitingRequests < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            try #require(await admin.waitingRequests == 2)
            // A third does not wait: it is answered 202 at once, as with wait=false.
            let third = try await api.call(.post, "/api/jobs/run/{name}", "/api/jobs/run/slow")
            #expect(third.status == 202)
            #expect(await admin.waitingRequests == 2)
            for curl in clients { curl.kill() }
            let left = ContinuousClock.now + .seconds(20)
            while await admin.waitingRequests > 0, ContinuousClock.now < left { try await Task.sleep(for: .milliseconds(20)) }
            #expect(await admin.waitingRequests == 0, "a wait outlived its client")
            for run in try await test.store.activeRuns() { _ = try await test.store.requestCancel(runID: run.id) }
        }
    }

    @Test("path parameters are percent-decoded", arguments: TestStoreKind.available)
    func percentDecodedPaths(kind: TestStoreKind) async throws {
        try await APIHarness.with(kind) { api, test in
            let paused = try await api.call(.post, "/api/queues/{name}/pause", "/api/queues/nightly%20reports/pause")
            #expect(paused.status == 200, "\(paused.body)")
            let stored = try await test.store.pool.withDatabase { database in
                try await database.raw("SELECT name FROM nightshift_queues WHERE paused").all().map {
                    try $0.decode(column: "name", as: String.self)
                }
            }
            #expect(stored == ["nightly reports"])
        }
    }

    @Test("metrics change after runs", arguments: TestStoreKind.available)
    func metrics(kind: TestStoreKind) async throws {
        try await APIHarness.with(kind) { api, _ in
            let line = #"nightshift_runs_total{job="ok",status="succeeded"}"#
            func count() async throws -> Int {
                let text = try await api.call(.get, "/metrics", role: nil).body
                guard let row = text.split(separator: "\n").first(where: { $0.hasPrefix(line) }) else { return 0 }
                return Int(row.split(separator: " ").last ?? "") ?? -1
            }
            let before = try await count()
            for _ in 0..<2 { _ = try await api.call(.post, "/api/jobs/run/{name}", "/api/jobs/run/ok") }
            #expect(try await count() == before + 2)
            let text = try await api.call(.get, "/metrics", role: nil).body
            for name in [
                "nightshift_run_duration_seconds_bucket", "nightshift_queued_runs", "nightshift_consecutive_failures",
                "nightshift_leader",
            ] {
                #expect(text.contains(name), "\(name) missing from /metrics")
            }
        }
    }

    @Test("readiness names the one dependency that does not answer, and is ready when all do")
    func readinessOfDependencies() async throws {
        struct Down: Error, CustomStringConvertible { var description: String { "connection refused" } }
        try await withTestStore(.sqlite) { test in
            let down: @Sendable () async throws -> Void = { throw Down() }
            try await APIHarness.withServer(over: test.store, dependencies: ["database app": {}, "redis usage": down]) {
                harness in
                let ready = try await harness.call(.get, "/readyz", role: nil)
                #expect(ready.status == 503 && ready.json["error"] == "unreachable: redis usage", "\(ready.json)")
                #expect(ready.json["dependencies"] == .object(["database app": "ready", "redis usage": "connection refused"]))
            }
            try await APIHarness.withServer(over: test.store, dependencies: ["database app": {}]) { harness in
                let ready = try await harness.call(.get, "/readyz", role: nil)
                #expect(ready.status == 200 && ready.json["dependencies"] == .object(["database app": "ready"]))
            }
        }
    }

    @Test("readiness fails while the store is unreachable; liveness does not")
    func readiness() async throws {
        let logger = Logger(label: "api-test")
        let store = try await SQLJobStore.open("postgres://postgres@127.0.0.1:1/nowhere", logger: logger)
        try await APIHarness.withServer(over: store) { harness in
            let ready = try await harness.call(.get, "/readyz", role: nil)
            #expect(ready.status == 503 && ready.json["status"] == "unavailable")
            #expect(try await harness.call(.get, "/healthz", role: nil).status == 200)
        }
        await store.close()
    }

    @Test("readiness and metrics answer within seconds while the store hangs, however many ask")
    func probesDuringAnOutage() async throws {
        let logger = Logger(label: "api-test")
        // A server that accepts connections and never answers: a database that stopped responding.
        let blackhole = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        let store = try await SQLJobStore.open(
            "postgres://postgres@127.0.0.1:\(blackhole.localAddress?.port ?? 0)/stalled", logger: logger)
        try await APIHarness.withServer(over: store) { harness in
            let probing = Task {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<40 {
                        group.addTask { try await harness.call(.get, index % 2 == 0 ? "/readyz" : "/metrics", role: nil).status }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
            }
            // Answered at all, not hung on the store: each probe gives up after 3 s, and 40 at once
            // on a loaded 2-core machine took 15.4 s once; a hang would never end.
            let answered = await Task { _ = await probing.result }.ended(within: .seconds(120))
            #expect(answered, "the probes hung on the store")
            guard answered else { return probing.cancel() }
            let statuses = try await probing.value
            #expect(statuses.filter { $0 == 503 }.count == 20 && statuses.filter { $0 == 200 }.count == 20)
            #expect(try await harness.call(.get, "/healthz", role: nil).status == 200)
        }
        await store.close()
        try await blackhole.close()
    }

    @Test("a client that sends its request a byte at a time is cut off at the read deadline; others are served")
    func slowClientsAreCutOff() async throws {
        let logger = Logger(label: "api-test")
        try await withTestStore(.sqlite) { test in
            let api = AdminAPI(
                store: test.store, jobs: try APIHarness.jobs(), configuration: .init(tokens: []),
                registry: PrometheusCollectorRegistry())
            let port = Mutex(0)
            let app = AdminServer.application(
                api: api, host: "127.0.0.1", port: 0, requestReadTimeout: 1, logger: logger,
                onServerRunning: { bound in port.withLock { $0 = bound } })
            let server = Task { try await app.runService() }
            defer { server.cancel() }
            while port.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let slow = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port.withLock { $0 }).get()
            try await slow.writeAndFlush(
                ByteBuffer(string: "POST /api/jobs/run/ok HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            ).get()
            // One byte every 200 ms keeps an idle timer alive, but not the read deadline.
            let dribble = Task {
                while slow.isActive {
                    try await Task.sleep(for: .milliseconds(200))
                    try? await slow.writeAndFlush(ByteBuffer(string: " ")).get()
                }
            }
            // Cut off at the 1 s read deadline; without it the dribble holds the connection for good.
            // The bound is generous: it tells a cut-off from none, not how fast it came under load.
            let closed = await Task<Void, Never> { try? await slow.closeFuture.get() }.ended(within: .seconds(60))
            dribble.cancel()
            #expect(closed, "the dribbling client was never cut off")
            let quick = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in channel.eventLoop.makeSucceededVoidFuture() }
                .connect(host: "127.0.0.1", port: port.withLock { $0 }).get()
            try await quick.writeAndFlush(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                .get()
            try await quick.closeFuture.get()
        }
    }

    @Test("the OpenAPI document describes exactly the routes served")
    func openAPIRoutes() throws {
        let documented = try OpenAPIValidator().operations
        let served = Set(AdminAPI.routes.map { "\($0.method.rawValue) \($0.path)" })
        #expect(served.count == AdminAPI.routes.count, "a route is declared twice")
        // Each route's access rule is the document's: no token, a token, or either for metrics;
        // and a guarded route documents its 401 and 403.
        let validator = try OpenAPIValidator()
        for route in AdminAPI.routes {
            let place = "\(route.method.rawValue) \(route.path)"
            let operation = try #require(validator.operation(method: route.method.rawValue, path: route.path), "\(place)")
            switch route.access {
            case .anyone: #expect(operation.security == "[[]]", "\(place): \(operation.security ?? "none")")
            case .metrics: #expect(operation.security == #"[[{},{"bearer":[]}]]"#, "\(place): \(operation.security ?? "none")")
            case .roles, .rolesForJob:
                #expect(operation.security == #"[[{"bearer":[]}]]"#, "\(place): \(operation.security ?? "none")")
                #expect(operation.statuses.isSuperset(of: ["401", "403"]), "\(place): \(operation.statuses.sorted())")
            }
        }
        #expect(documented == served)
    }
}
