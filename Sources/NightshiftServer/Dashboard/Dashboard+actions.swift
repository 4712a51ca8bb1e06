import Foundation
import Hummingbird
import Nightshift

extension Dashboard {
    /// `run`, `pause`, `resume` on a job; answers where to go next.
    func jobAction(_ session: DashboardSession, job name: String, action: String, form: [String: String]) async throws -> String {
        guard let job = jobsByName[name] else {
            throw DashboardActionError(status: .notFound, message: "No job named '\(name)'.")
        }
        guard session.mayAct(on: name) else {
            throw DashboardActionError(status: .forbidden, message: "Forbidden: your token may not act on \(name).")
        }
        switch action {
        case "pause", "resume":
            let paused = action == "pause"
            try await store.setPaused(job, paused: paused)
            logger.info(
                "[\(name)] \(paused ? "paused" : "resumed") by \(session.name) (dashboard)",
                metadata: ["job": "\(name)", "by": "\(session.name)"])
            return path("/jobs")
        case "run":
            let runs = try await store.enqueue(try newRuns(of: job, form: form, by: session.name))
            onEnqueued()
            logger.info(
                "[\(name)] \(runs.count) run(s) queued by \(session.name) (dashboard)",
                metadata: ["job": "\(name)", "run": "\(runs.first?.id.lowercasedText ?? "")", "by": "\(session.name)"])
            guard let first = runs.first else { return path("/jobs/\(HTML.urlComponent(name))") }
            return runs.count == 1 ? path("/runs/\(first.id.lowercasedText)") : path("/runs?job=\(HTML.urlComponent(name))")
        default:
            throw DashboardActionError(status: .notFound, message: "No action '\(action)' on jobs.")
        }
    }

    /// The runs a trigger form asks for: one, or one per day of a date range; with params and
    /// the dry-run flag.
    private func newRuns(of job: Job, form: [String: String], by who: String) throws -> [NewRun] {
        var params = JSONObject()
        for line in (form["params"] ?? "").split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw DashboardActionError(status: .badRequest, message: "A param line is not key=value: '\(line)'.")
            }
            params[parts[0]] = .string(parts[1])
        }
        func nonEmpty(_ key: String) -> String? { form[key].flatMap { $0.isEmpty ? nil : $0 } }
        let request = ManualRun(
            date: nonEmpty("date"), from: nonEmpty("from"), to: nonEmpty("to"), params: params, dryRun: form["dry_run"] == "on")
        do {
            // The API's and the command line's rule, so that the form cannot queue what they would refuse.
            return try request.newRuns(of: job, trigger: .manual, by: who)
        } catch {
            throw DashboardActionError(status: .badRequest, message: "\(error.reason).")
        }
    }

    /// `retry`, `cancel` on a run, or `POST /runs/retry` for the runs ticked (`run-<id>` fields)
    /// or every run matching `job` and `status`.
    func runAction(_ session: DashboardSession, id: String, action: String, form: [String: String]) async throws -> String {
        if id == "retry" { return try await retryMany(session, form: form) }
        guard let uuid = UUID(uuidString: id), let run = try await store.run(id: uuid) else {
            throw DashboardActionError(status: .notFound, message: "No run \(id).")
        }
        guard session.mayAct(on: run.job) else {
            throw DashboardActionError(status: .forbidden, message: "Forbidden: your token may not act on \(run.job).")
        }
        switch action {
        case "cancel":
            guard try await store.requestCancel(runID: uuid, by: session.name) else {
                throw DashboardActionError(status: .conflict, message: "Run \(id) has already ended.")
            }
            logger.info(
                "[\(run.job)] cancel of run \(id) asked by \(session.name) (dashboard)",
                metadata: ["run": "\(id)", "by": "\(session.name)"])
            return path("/runs/\(uuid.lowercasedText)")
        case "retry":
            guard RunRetry.retryable.contains(run.status), let job = jobsByName[run.job] else {
                throw DashboardActionError(
                    status: .conflict, message: "Run \(id) is \(run.status.rawValue); only finished failures are retried.")
            }
            let created = try await store.enqueue([RunRetry.newRun(retrying: run, job: job, by: session.name)])
            onEnqueued()
            logger.info(
                "[\(run.job)] run \(id) retried by \(session.name) (dashboard)",
                metadata: ["run": "\(id)", "by": "\(session.name)"])
            return path("/runs/\(created.first?.id.lowercasedText ?? uuid.lowercasedText)")
        default:
            throw DashboardActionError(status: .notFound, message: "No action '\(action)' on runs.")
        }
    }

    private func retryMany(_ session: DashboardSession, form: [String: String]) async throws -> String {
        let ids = form.keys.filter { $0.hasPrefix("run-") }.compactMap { UUID(uuidString: String($0.dropFirst(4))) }
        var retried = 0
        if let fingerprint = form["fingerprint"], let name = form["job"], let job = jobsByName[name] {
            // A group of the Failures page: its runs are found again, newest first, bounded.
            guard session.mayAct(on: name) else {
                throw DashboardActionError(status: .forbidden, message: "Forbidden: your token may not act on \(name).")
            }
            let since = try await store.databaseNow().addingTimeInterval(form["window"] == "7d" ? -7 * 86_400 : -86_400)
            var requests: [NewRun] = []
            for status in [RunStatus.failed, .discarded] {
                var query = RunQuery(job: name, status: status, limit: 10_000)
                query.since = since
                requests += try await store.runs(query).filter { FailureFingerprint.of($0.error ?? "") == fingerprint }
                    .map { RunRetry.newRun(retrying: $0, job: job, by: session.name) }
            }
            retried = try await store.enqueue(requests).count
        } else if !ids.isEmpty {
            // The ticked runs, in one read and one batch insert.
            let runs = try await store.runs(ids: ids).filter {
                RunRetry.retryable.contains($0.status) && session.mayAct(on: $0.job)
            }
            let requests = runs.compactMap { run in
                jobsByName[run.job].map { RunRetry.newRun(retrying: run, job: $0, by: session.name) }
            }
            retried = try await store.enqueue(requests).count
        } else {
            var filter = RunRetry.Filter(job: form["job"].flatMap { $0.isEmpty ? nil : $0 })
            if let status = form["status"].flatMap(RunStatus.init(rawValue:)), RunRetry.retryable.contains(status) {
                filter.status = status
            }
            (filter.since, filter.until) = try Self.formWindow(form)
            retried = try await RunRetry.retryMatching(
                filter, store: store, jobs: jobsByName, by: session.name, mayActOn: { session.mayAct(on: $0) }
            ).retried
        }
        if retried > 0 { onEnqueued() }
        logger.info("bulk retry by \(session.name) (dashboard): \(retried) runs", metadata: ["by": "\(session.name)"])
        return path("/runs?trigger=retry")
    }

    /// `POST /runs/cancel`: the runs ticked (`run-<id>` fields), in one statement, or every
    /// queued or running run matching `job`, `status`, `from` and `to`, in chunks.
    func cancelMany(_ session: DashboardSession, form: [String: String]) async throws -> String {
        let ids = form.keys.filter { $0.hasPrefix("run-") }.compactMap { UUID(uuidString: String($0.dropFirst(4))) }
        let cancelled: Int
        if !ids.isEmpty {
            let runs = try await store.runs(ids: ids).filter { !$0.status.isFinished && session.mayAct(on: $0.job) }
            cancelled = try await store.requestCancel(runIDs: runs.map(\.id), by: session.name).count
        } else {
            let job = form["job"].flatMap { $0.isEmpty ? nil : $0 }
            let (since, until) = try Self.formWindow(form)
            let status = form["status"].flatMap(RunStatus.init(rawValue:))
            guard job != nil || since != nil || until != nil || status != nil else {
                throw DashboardActionError(
                    status: .badRequest, message: "Tick runs, or filter by job, status or time, to cancel runs together.")
            }
            if let status, status.isFinished {
                throw DashboardActionError(status: .conflict, message: "Runs that are \(status.rawValue) have already ended.")
            }
            cancelled = try await RunCancel.cancelMatching(
                job: job, statuses: status.map { [$0] } ?? [.queued, .running], since: since, until: until, store: store,
                by: session.name, mayActOn: { session.mayAct(on: $0) }
            ).cancelled
        }
        logger.info("bulk cancel by \(session.name) (dashboard): \(cancelled) runs", metadata: ["by": "\(session.name)"])
        return path("/runs?status=cancelled")
    }

    /// The `from` and `to` of a bulk action's filter.
    private static func formWindow(_ form: [String: String]) throws(DashboardActionError) -> (Date?, Date?) {
        func time(_ key: String, _ field: String) throws(DashboardActionError) -> Date? {
            guard let text = form[key], !text.isEmpty else { return nil }
            return try filterTime(text, field: field)
        }
        return (try time("from", "From"), try time("to", "To"))
    }

    /// `pause`, `resume` on a queue.
    func queueAction(_ session: DashboardSession, queue: String, action: String, form: [String: String]) async throws -> String {
        guard action == "pause" || action == "resume" else {
            throw DashboardActionError(status: .notFound, message: "No action '\(action)' on queues.")
        }
        // As in the API: a queue holds other jobs' runs too.
        guard session.jobs == nil else {
            throw DashboardActionError(
                status: .forbidden, message: "Forbidden: your token may act only on its jobs, and a queue holds other jobs' runs."
            )
        }
        try await store.setQueuePaused(queue, paused: action == "pause")
        logger.info(
            "queue \(queue) \(action)d by \(session.name) (dashboard)", metadata: ["queue": "\(queue)", "by": "\(session.name)"])
        return path("/queues")
    }
}
