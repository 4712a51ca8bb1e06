import Hummingbird
import Nightshift

extension AdminAPI {
    /// `GET /api/jobs/status`: `{running, enabled, jobs: [...]}` (admin, viewer).
    func status(_ request: Request) async throws -> JSONResponse<StatusReport> {
        _ = try await RequestInput.read(request, allowed: [], maxBodySize: configuration.maxBodySize)
        return JSONResponse(
            try await StatusReport.make(
                jobs: jobs, store: store, engine: configuration.engine))
    }

    func job(named name: String) throws(APIError) -> Job {
        guard let job = jobsByName[name] else { throw APIError(.notFound, "no job named '\(name)'") }
        return job
    }
}
