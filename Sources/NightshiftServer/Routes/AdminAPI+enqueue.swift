import Foundation
import Hummingbird
import Nightshift
import NIOCore

extension AdminAPI {
    /// What one run of `POST /api/runs` may say.
    static let enqueueFields: Set<String> = ["job", "params", "runAt", "priority", "queue", "uniqueKey", "dryRun"]
    /// The most runs one request may queue.
    static let maxEnqueuedRuns = 10_000
    /// The largest body of `POST /api/runs` (10,000 runs with small params fit).
    static let maxEnqueueBody = 4 << 20

    /// `POST /api/runs` (admin, trigger): queues one run (a JSON object) or several (an array, or
    /// `{"runs": [...]}`) in one statement, for apps that enqueue work from their own code.
    /// Each run names its `job` and may give `params`, `runAt` (ISO 8601), `priority`, `queue`
    /// (default: the job's), `uniqueKey` and `dryRun`; 202 with each run, `existing` for one
    /// already queued or running under the same `uniqueKey`.
    func enqueue(_ request: Request, token: APIToken) async throws -> JSONResponse<EnqueueAnswer> {
        let items = try await Self.enqueueItems(request)
        var newRuns: [NewRun] = []
        for (index, item) in items.enumerated() {
            let run = try newRun(from: item, index: index, triggeredBy: token.name)
            do {
                try TokenAuthenticator.check(token, mayActOn: run.job)
            } catch {
                throw error.inRun(index)
            }
            newRuns.append(run)
        }
        let runs = try await store.enqueue(newRuns)
        onEnqueued()
        let entries = zip(newRuns, runs).map { asked, run in
            EnqueueAnswer.Entry(
                runId: run.id.lowercasedText, job: run.job, status: run.status.rawValue, queue: run.queue,
                runAt: ISO8601Format.string(from: run.runAfter), existing: run.id != asked.id)
        }
        logger.info(
            "\(runs.count) run\(runs.count == 1 ? "" : "s") queued by \(token.name)",
            metadata: ["jobs": "\(Set(runs.map(\.job)).sorted().joined(separator: ","))", "by": "\(token.name)"])
        return JSONResponse(EnqueueAnswer(runs: entries), status: .accepted)
    }

    /// The body's runs: an object, an array of objects, or `{"runs": [...]}`.
    private static func enqueueItems(_ request: Request) async throws(APIError) -> [JSONObject] {
        guard request.uri.queryParameters.isEmpty else {
            throw APIError.badRequest("POST /api/runs takes its runs in the body, not the query", field: "query")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxEnqueueBody)
        } catch {
            throw APIError(.contentTooLarge, "the body is larger than \(maxEnqueueBody) bytes", field: "body")
        }
        guard (request.headers[.contentType]?.lowercased() ?? "").hasPrefix("application/json") else {
            throw APIError(.unsupportedMediaType, "send the body as application/json", field: "body")
        }
        let values: [JSONValue]
        switch try? JSONValue(parsing: String(buffer: body)) {
        case .array(let array): values = array
        case .object(let object) where object.entries.count == 1 && object["runs"] != nil:
            guard case .array(let array) = object["runs"] else {
                throw APIError.badRequest("'runs' must be a list of runs", field: "runs")
            }
            values = array
        case .object(let object): values = [.object(object)]
        default: throw APIError.badRequest("the body must be a run (a JSON object) or a list of runs", field: "body")
        }
        guard !values.isEmpty, values.count <= maxEnqueuedRuns else {
            throw APIError.badRequest("give from 1 to \(maxEnqueuedRuns) runs", field: "runs")
        }
        return try values.enumerated().map { index, value throws(APIError) in
            guard case .object(let object) = value else {
                throw APIError.badRequest("run \(index) is not a JSON object", field: "runs[\(index)]")
            }
            return object
        }
    }

    /// The run `item` (the `index`th of the request) describes, checked field by field.
    private func newRun(from item: JSONObject, index: Int, triggeredBy: String) throws(APIError) -> NewRun {
        let input: RequestInput
        do throws(APIError) {
            input = try RequestInput(object: item, allowed: Self.enqueueFields)
        } catch {
            throw error.inRun(index)
        }
        do throws(APIError) {
            guard let name = try input.string("job") else { throw APIError.badRequest("'job' is required", field: "job") }
            let job = try job(named: name)
            let params = try input.object("params") ?? [:]
            if let problem = ParamName.problem(in: params) { throw APIError.badRequest(problem, field: "params") }
            var runAfter: Date?
            if let text = try input.string("runAt") {
                guard let date = ISO8601Format.date(from: text) else {
                    throw APIError.badRequest("'\(text)' is not an ISO 8601 instant such as 2026-03-08T09:00:00Z", field: "runAt")
                }
                runAfter = date
            }
            return NewRun(
                job: name, trigger: .api, triggeredBy: triggeredBy, maxAttempts: job.policies.retry.maxAttempts,
                runAfter: runAfter, params: params, dryRun: try input.bool("dryRun") ?? false,
                priority: try input.int("priority", in: -1_000_000...1_000_000) ?? 0,
                queue: try input.string("queue") ?? job.policies.queue, uniqueKey: try input.string("uniqueKey"))
        } catch {
            throw error.inRun(index)
        }
    }
}

extension APIError {
    /// This error about a field of the `index`th run of a request.
    func inRun(_ index: Int) -> APIError {
        APIError(status, "run \(index): \(message)", field: "runs[\(index)]" + (field.map { ".\($0)" } ?? ""), headers: headers)
    }
}
