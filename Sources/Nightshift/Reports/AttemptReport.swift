/// One attempt of a run as the API and `nightshift runs show` give it, times in ISO 8601 UTC.
public struct AttemptReport: Codable, Equatable, Sendable {
    public var attempt: Int
    public var outcome: String
    public var worker: String?
    public var startedAt: String?
    public var endedAt: String
    public var error: String?
    public var output: String?

    /// The report of `record`.
    public init(_ record: AttemptRecord) {
        attempt = record.attempt
        outcome = record.outcome
        worker = record.worker
        startedAt = record.startedAt.map(ISO8601Format.string(from:))
        endedAt = ISO8601Format.string(from: record.endedAt)
        error = record.error
        output = record.output
    }
}
