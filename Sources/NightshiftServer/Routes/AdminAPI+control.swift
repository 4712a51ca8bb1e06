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
    func setPaused(_ request: Request, name: String, paused: Bool) async throws -> JSONResponse<PauseAnswer> {
        let token = try authenticator.authorize(request, roles: [.admin], job: name)
        let job = try job(named: name)
        _ = try await RequestInput.read(request, allowed: [], maxBodySize: configuration.maxBodySize)
        if try await !store.setPaused(job: name, paused: paused) {
            // Not registered yet (no engine has started with it): register, then pause.
            try await store.register([JobRegistration(job)])
            _ = try await store.setPaused(job: name, paused: paused)
        }
        logger.info(
            "[\(name)] \(paused ? "paused" : "resumed") by \(token.name)", metadata: ["job": "\(name)", "by": "\(token.name)"])
        return JSONResponse(PauseAnswer(job: name, paused: paused))
    }

    /// `POST /api/queues/{name}/pause` and `/resume` (admin): the queue's queued runs wait while
    /// it is paused, on every instance. Any name is accepted: a queue exists once runs name it.
    func setQueuePaused(_ request: Request, name: String, paused: Bool) async throws -> JSONResponse<QueuePauseAnswer> {
        let token = try authenticator.authorize(request, roles: [.admin])
        _ = try await RequestInput.read(request, allowed: [], maxBodySize: configuration.maxBodySize)
        try await store.setQueuePaused(name, paused: paused)
        logger.info(
            "queue \(name) \(paused ? "paused" : "resumed") by \(token.name)",
            metadata: ["queue": "\(name)", "by": "\(token.name)"])
        return JSONResponse(QueuePauseAnswer(queue: name, paused: paused))
    }

    /// `POST /api/jobs/runs/{id}/cancel` (admin): 409 when the run has already ended.
    func cancel(_ request: Request, id: String) async throws -> JSONResponse<CancelAnswer> {
        let token = try authenticator.authorize(request, roles: [.admin])
        let run = try await existingRun(id)
        try TokenAuthenticator.check(token, mayActOn: run.job)
        _ = try await RequestInput.read(request, allowed: [], maxBodySize: configuration.maxBodySize)
        guard try await store.requestCancel(runID: run.id), let now = try await store.run(id: run.id) else {
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
    /// dry-run flag, trigger `retry`; 409 while the run is still queued or running.
    func retry(_ request: Request, id: String) async throws -> JSONResponse<TriggerAnswer> {
        let token = try authenticator.authorize(request, roles: [.admin])
        let run = try await existingRun(id)
        try TokenAuthenticator.check(token, mayActOn: run.job)
        _ = try await RequestInput.read(request, allowed: [], maxBodySize: configuration.maxBodySize)
        guard run.status.isFinished else {
            throw APIError(.conflict, "run \(id) is still \(run.status.rawValue); cancel it first or wait for it to end")
        }
        guard let job = jobsByName[run.job] else {
            throw APIError(.conflict, "job '\(run.job)' is no longer in the configuration")
        }
        let created = try await store.enqueue([
            NewRun(
                job: run.job, trigger: .retry, triggeredBy: token.name, maxAttempts: job.policies.retry.maxAttempts,
                params: run.params, window: run.window, dryRun: run.dryRun, queue: job.policies.queue)
        ])
        onEnqueued()
        logger.info(
            "[\(run.job)] run \(run.id.lowercasedText) retried by \(token.name)",
            metadata: ["job": "\(run.job)", "run": "\(created.first?.id.lowercasedText ?? "")", "by": "\(token.name)"])
        return JSONResponse(TriggerAnswer(job: run.job, runs: created), status: .accepted)
    }
}
