import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Nightshift

extension AdminAPI {
    /// The names a trigger takes, in the body or the query. `startDate` / `endDate` are seed
    /// 003's names for `from` / `to`.
    static let triggerParameters: Set<String> = ["dryRun", "date", "from", "to", "startDate", "endDate", "params", "wait"]

    /// `POST /api/jobs/run/{name}` (admin, trigger): queues a run (one per day for a date range)
    /// recorded with the token's name as `triggered_by`. With `wait=true` (the default) it answers
    /// with the result once the run ends: 200 when it succeeded, 500 when it did not (the same
    /// body, for callers such as `curl -f` that read only the status); or 202 after `waitTimeout`
    /// (or at once when `maxWaitingRequests` requests wait already); `wait=false` answers 202 at once.
    ///
    /// `connection`, where the server gives it (``AdminServer`` does), ends the wait when the
    /// client closes it: nobody is left to answer.
    func trigger(_ request: Request, name: String, token: APIToken, connection: (any Channel)? = nil) async throws
        -> JSONResponse<TriggerAnswer>
    {
        if request.method == .get, !token.allowGet {
            throw APIError(
                .forbidden, "this token may not trigger with GET; give it allow_get: true in the config, or POST", field: "method"
            )
        }
        let job = try job(named: name)
        let input = try await RequestInput.read(request, allowed: Self.triggerParameters, maxBodySize: configuration.maxBodySize)
        let asked = ManualRun(
            date: try input.string("date"), from: try input.string(either: "from", or: "startDate"),
            to: try input.string(either: "to", or: "endDate"), params: try input.object("params") ?? [:],
            dryRun: try input.bool("dryRun") ?? false)
        let wait = try input.bool("wait") ?? true
        let newRuns: [NewRun]
        do {
            newRuns = try asked.newRuns(of: job, trigger: .api, by: token.name)
        } catch {
            throw APIError.badRequest(error.reason, field: error.field)
        }
        let runs = try await store.enqueue(newRuns)
        onEnqueued()
        logger.info(
            "[\(name)] triggered by \(token.name)\(runs.count > 1 ? " (\(runs.count) runs)" : "")\(asked.dryRun ? " (dry run)" : "")",
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
}
