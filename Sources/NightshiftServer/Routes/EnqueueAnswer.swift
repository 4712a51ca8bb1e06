import Nightshift

/// The answer of `POST /api/runs`: one entry per run asked for, in order. `existing` is true
/// when a queued or running run had the same `uniqueKey`: that run is answered, none is created.
struct EnqueueAnswer: Codable, Sendable {
    struct Entry: Codable, Sendable {
        var runId: String
        var job: String
        var status: String
        var queue: String
        var runAt: String
        var existing: Bool
    }

    var runs: [Entry]
}
