import Nightshift

/// The answer of a trigger: `{job, runId}` (202), or with `wait=true` and a run that ended in
/// time, `{job, runId, result: {success, status, details, error}}` (200). A date range creates one
/// run per day: `runIds` lists them and `result` sums them up.
struct TriggerAnswer: Codable, Sendable {
    struct Result: Codable, Sendable {
        var success: Bool
        var status: String
        var details: JSONObject
        var error: String?
    }

    var job: String
    var runId: String
    var runIds: [String]?
    var result: Result?

    init(job: String, runs: [Run], finished: [Run]? = nil) {
        self.job = job
        runId = runs.first?.id.lowercasedText ?? ""
        runIds = runs.count > 1 ? runs.map { $0.id.lowercasedText } : nil
        guard let finished else { return }
        let failed = finished.first { $0.status != .succeeded }
        if finished.count == 1, let only = finished.first {
            result = Result(
                success: only.status == .succeeded, status: only.status.rawValue, details: only.details, error: only.error)
        } else {
            let succeeded = finished.filter { $0.status == .succeeded }.count
            result = Result(
                success: failed == nil, status: failed?.status.rawValue ?? RunStatus.succeeded.rawValue,
                details: ["days": .number(Double(finished.count)), "succeeded": .number(Double(succeeded))],
                error: failed?.error)
        }
    }
}
