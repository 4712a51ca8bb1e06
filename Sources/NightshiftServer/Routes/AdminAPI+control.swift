import Foundation
import Hummingbird
import Nightshift

/// The answer of pause and resume.
struct PauseAnswer: Codable, Sendable {
    var job: String
    var paused: Bool
}

/// The answer of a queue's pause and resume.
struct QueuePauseAnswer: Codable, Sendable {
    var queue: String
    var paused: Bool
}

/// The answer of cancel: `cancelled` at once for a queued run, `cancelling` for a running one
/// (its worker stops it at the next heartbeat).
struct CancelAnswer: Codable, Sendable {
    var runId: String
    var status: String
}

extension AdminAPI {
    /// `POST /api/jobs/{name}/pause` and `/resume` (admin): a paused job's fires are not
    /// scheduled and its queued runs wait.
    func setPaused(_ request: Request, name: String, paused: Bool, token: APIToken) async throws -> JSONResponse<PauseAnswer> {
        let job = try job(named: name)
        _ = try await RequestInput.read(request, allowed: [], maxBodySize: configuration.maxBodySize)
        try await store.setPaused(job, paused: paused)
        logger.info(
            "[\(name)] \(paused ? "paused" : "resumed") by \(token.name)", metadata: ["job": "\(name)", "by": "\(token.name)"])
        return JSONResponse(PauseAnswer(job: name, paused: paused))
    }

    /// `POST /api/queues/{name}/pause` and `/resume` (admin): the queue's queued runs wait while
    /// it is paused, on every instance. Any name is accepted: a queue exists once runs name it.
    /// A token scoped to jobs may not: a queue holds other jobs' runs too.
    func setQueuePaused(_ request: Request, name: String, paused: Bool, token: APIToken) async throws -> JSONResponse<
        QueuePauseAnswer
    > {
        if let scope = token.jobs {
            throw APIError(
                .forbidden,
                "this token may act only on \(scope.sorted().map { "'\($0)'" }.joined(separator: ", ")); a queue holds other jobs' runs too",
                field: "queue")
        }
        _ = try await RequestInput.read(request, allowed: [], maxBodySize: configuration.maxBodySize)
        try await store.setQueuePaused(name, paused: paused)
        logger.info(
            "queue \(name) \(paused ? "paused" : "resumed") by \(token.name)",
            metadata: ["queue": "\(name)", "by": "\(token.name)"])
        return JSONResponse(QueuePauseAnswer(queue: name, paused: paused))
    }

    /// `POST /api/jobs/runs/{id}/cancel` (admin): 409 when the run has already ended.
    func cancel(_ request: Request, id: String, token: APIToken) async throws -> JSONResponse<CancelAnswer> {
        let run = try await existingRun(id)
        try TokenAuthenticator.check(token, mayActOn: run.job)
        _ = try await RequestInput.read(request, allowed: [], maxBodySize: configuration.maxBodySize)
        guard try await store.requestCancel(runID: run.id, by: token.name), let now = try await store.run(id: run.id) else {
            let current = try await store.run(id: run.id)?.status ?? run.status
            throw APIError(.conflict, "run \(id) has already ended (\(current.rawValue))")
        }
        logger.info(
            "[\(run.job)] cancel of run \(run.id.lowercasedText) asked by \(token.name)",
            metadata: ["job": "\(run.job)", "run": "\(run.id.lowercasedText)", "by": "\(token.name)"])
        return JSONResponse(
            CancelAnswer(runId: id.lowercased(), status: now.status == .cancelled ? "cancelled" : "cancelling"),
            status: .accepted)
    }

    /// `POST /api/jobs/runs/{id}/retry` (admin): a new run with the same job, params, window and
    /// dry-run flag, trigger `retry`; 409 while the run is still queued or running. Retrying
    /// the same run again while its retry is active answers that retry.
    func retry(_ request: Request, id: String, token: APIToken) async throws -> JSONResponse<TriggerAnswer> {
        let run = try await existingRun(id)
        try TokenAuthenticator.check(token, mayActOn: run.job)
        _ = try await RequestInput.read(request, allowed: [], maxBodySize: configuration.maxBodySize)
        guard run.status.isFinished else {
            throw APIError(.conflict, "run \(id) is still \(run.status.rawValue); cancel it first or wait for it to end")
        }
        guard let job = jobsByName[run.job] else {
            throw APIError(.conflict, "job '\(run.job)' is no longer in the configuration")
        }
        let created = try await store.enqueue([RunRetry.newRun(retrying: run, job: job, by: token.name)])
        onEnqueued()
        logger.info(
            "[\(run.job)] run \(run.id.lowercasedText) retried by \(token.name)",
            metadata: ["job": "\(run.job)", "run": "\(created.first?.id.lowercasedText ?? "")", "by": "\(token.name)"])
        return JSONResponse(TriggerAnswer(job: run.job, runs: created), status: .accepted)
    }

    /// `POST /api/runs/retry` (admin): retries every run matching `job`, `status` (failed,
    /// discarded or cancelled; default failed) and `since` (a duration such as `24h`, or an ISO
    /// 8601 time), in chunks; answers how many matched and were retried. A token scoped to jobs
    /// retries only runs of its jobs.
    func retryMatching(_ request: Request, token: APIToken) async throws -> JSONResponse<RunRetry.Outcome> {
        let input = try await RequestInput.read(
            request, allowed: ["job", "status", "since"], maxBodySize: configuration.maxBodySize)
        var filter = RunRetry.Filter(job: try input.string("job"))
        if let job = filter.job {
            _ = try self.job(named: job)
            try TokenAuthenticator.check(token, mayActOn: job)
        }
        if let status = try input.string("status") {
            guard let parsed = RunStatus(rawValue: status), RunRetry.retryable.contains(parsed) else {
                throw APIError.badRequest("'\(status)' is not one of cancelled, discarded, failed", field: "status")
            }
            filter.status = parsed
        }
        if let since = try input.string("since") {
            if let date = ISO8601Format.date(from: since) {
                filter.since = date
            } else {
                do {
                    filter.since = try await store.databaseNow().addingTimeInterval(-DurationText.seconds(since))
                } catch let error as DurationTextError {
                    throw APIError.badRequest(
                        "'\(since)' is neither a duration such as 24h nor an ISO 8601 time: \(error)", field: "since")
                }
            }
        }
        let outcome = try await RunRetry.retryMatching(
            filter, store: store, jobs: jobsByName, by: token.name,
            mayActOn: { job in (try? TokenAuthenticator.check(token, mayActOn: job)) != nil })
        if outcome.retried > 0 { onEnqueued() }
        logger.info(
            "bulk retry by \(token.name): \(outcome.retried) of \(outcome.matched) runs",
            metadata: ["job": "\(filter.job ?? "*")", "status": "\(filter.status.rawValue)", "by": "\(token.name)"])
        return JSONResponse(outcome, status: .accepted)
    }
}
