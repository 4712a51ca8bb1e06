import Foundation
import Hummingbird
import Nightshift

extension AdminAPI {
    /// `GET /api/jobs/runs?job=&status=&limit=&before=`: newest first, with a `next` cursor
    /// (admin, viewer).
    func listRuns(_ request: Request) async throws -> JSONResponse<RunListReport> {
        let input = try await RequestInput.read(
            request, allowed: ["job", "status", "limit", "before"], maxBodySize: configuration.maxBodySize)
        var query = RunQuery(job: try input.string("job"), limit: try input.int("limit", in: 1...1000) ?? 50)
        if let status = try input.string("status") {
            guard let parsed = RunStatus(rawValue: status) else {
                throw APIError.badRequest(
                    "'\(status)' is not one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))", field: "status")
            }
            query.status = parsed
        }
        if let before = try input.string("before") {
            query.before = try Self.runID(before, field: "before")
        }
        return JSONResponse(RunListReport(runs: try await store.runs(query), limit: query.limit))
    }

    /// `GET /api/jobs/runs/{id}`, with its attempts (admin, viewer).
    func run(_ request: Request, id: String) async throws -> JSONResponse<RunReport> {
        let run = try await existingRun(id)
        _ = try await RequestInput.read(request, allowed: [], maxBodySize: configuration.maxBodySize)
        return JSONResponse(RunReport(run, attempts: try await store.attempts(of: run.id)))
    }

    func existingRun(_ id: String) async throws -> Run {
        guard let run = try await store.run(id: try Self.runID(id, field: "id")) else {
            throw APIError(.notFound, "no run with id '\(id)'")
        }
        return run
    }

    static func runID(_ text: String, field: String) throws(APIError) -> UUID {
        guard let id = UUID(uuidString: text) else {
            throw APIError.badRequest("'\(text)' is not a run id (a UUID)", field: field)
        }
        return id
    }
}
