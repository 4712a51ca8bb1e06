import Foundation
import Hummingbird
import Nightshift

extension AdminAPI {
    /// `GET /api/incidents` (viewer): open alert incidents, or all with `all=true`, newest first,
    /// with their notifications' delivery.
    func listIncidents(_ request: Request) async throws -> JSONResponse<IncidentListReport> {
        let input = try await RequestInput.read(request, allowed: ["all", "limit"], maxBodySize: configuration.maxBodySize)
        let incidents = try await IncidentReport.list(
            store: store, all: try input.bool("all") ?? false, limit: try input.int("limit", in: 1...1000) ?? 50)
        return JSONResponse(IncidentListReport(incidents: incidents))
    }
}
