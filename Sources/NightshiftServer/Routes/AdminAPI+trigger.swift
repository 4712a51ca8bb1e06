import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Nightshift

extension AdminAPI {
    /// The names a trigger takes, in the body or the query. `startDate` / `endDate` are seed
    /// 003's names for `from` / `to`.
    static let triggerParameters: Set<String> = ["dryRun", "date", "from", "to", "startDate", "endDate", "params", "wait"]

    /// The longest date range one trigger may ask for.
    static let maxTriggerDays = 366

    /// `POST /api/jobs/run/{name}` (admin, trigger): queues a run (one per day for a date range)
    /// recorded with the token's name as `triggered_by`. With `wait=true` (the default) it answers
    /// with the result once the run ends: 200 when it succeeded, 500 when it did not (the same
    /// body, for callers such as `curl -f` that read only the status); or 202 after `waitTimeout`
    /// (or at once when `maxWaitingRequests` requests wait already); `wait=false` answers 202 at once.
    ///
    /// `connection`, where the server gives it (``AdminServer`` does), ends the wait when the
    /// client closes it: nobody is left to answer.
    func trigger(_ request: Request, name: String, connection: (any Channel)? = nil) async throws -> JSONResponse<TriggerAnswer> {
        let token = try authenticator.authorize(request, roles: APIRole.triggerers, job: name)
        if request.method == .get, !token.allowGet {
            throw APIError(
                .forbidden, "this token may not trigger with GET; give it allow_get: true in the config, or POST", field: "method"
            )
        }
        let job = try job(named: name)
        let input = try await RequestInput.read(request, allowed: Self.triggerParameters, maxBodySize: configuration.maxBodySize)
        let windows = try Self.windows(from: input, in: job.timeZone)
        let params = try input.object("params") ?? [:]
        if let problem = ParamName.problem(in: params) { throw APIError.badRequest(problem, field: "params") }
        let dryRun = try input.bool("dryRun") ?? false
        let wait = try input.bool("wait") ?? true
        let runs = try await store.enqueue(
            windows.map { window in
                NewRun(
                    job: name, trigger: .api, triggeredBy: token.name, maxAttempts: job.policies.retry.maxAttempts,
                    params: params, window: window, dryRun: dryRun, queue: job.policies.queue)
            })
        onEnqueued()
        logger.info(
            "[\(name)] triggered by \(token.name)\(runs.count > 1 ? " (\(runs.count) runs)" : "")\(dryRun ? " (dry run)" : "")",
            metadata: ["job": "\(name)", "run": "\(runs.first?.id.lowercasedText ?? "")", "by": "\(token.name)"])
        guard wait else { return JSONResponse(TriggerAnswer(job: name, runs: runs), status: .accepted) }
        let waiting = Task { [runEndWaiter, timeout = configuration.waitTimeout] in
            try await runEndWaiter.wait(for: runs.map(\.id), timeout: timeout)
        }
        if let connection { ClientDeparture.departure(of: connection).whenSuccess { waiting.cancel() } }
        let finished = try await withTaskCancellationHandler {
            try await waiting.value
        } onCancel: {
            waiting.cancel()
        }
        guard let finished else { return JSONResponse(TriggerAnswer(job: name, runs: runs), status: .accepted) }
        let answer = TriggerAnswer(job: name, runs: runs, finished: finished)
        return JSONResponse(answer, status: answer.result?.success == false ? .internalServerError : .ok)
    }

    /// `[nil]` without dates; one window for `date`; one per day for `from`…`to`.
    static func windows(from input: RequestInput, in timeZone: TimeZone) throws(APIError) -> [DateWindow?] {
        let date = try input.string("date")
        let from = try input.string(either: "from", or: "startDate")
        let to = try input.string(either: "to", or: "endDate")
        func days(_ first: String, _ last: String, field: String) throws(APIError) -> [DateWindow] {
            do {
                return try DateWindow.days(from: first, through: last, in: timeZone, atMost: maxTriggerDays)
            } catch {
                // A range too long is the end's fault; other problems are the field's own.
                throw APIError.badRequest(error.reason, field: error.isTooLong ? "to" : field)
            }
        }
        if let date {
            guard from == nil, to == nil else { throw APIError.badRequest("give date, or from and to, not both", field: "date") }
            return try days(date, date, field: "date")
        }
        switch (from, to) {
        case (nil, nil): return [nil]
        case (let from?, let to?):
            _ = try days(from, from, field: "from")
            _ = try days(to, to, field: "to")
            return try days(from, to, field: "from")
        case (nil, _): throw APIError.badRequest("'to' needs 'from'", field: "from")
        case (_, nil): throw APIError.badRequest("'from' needs 'to'", field: "to")
        }
    }
}
