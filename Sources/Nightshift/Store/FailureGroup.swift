import Foundation

/// Failed and discarded runs of one job with one error text: what the dashboard's Failures page
/// groups further by the error's fingerprint.
public struct FailureGroup: Equatable, Sendable {
    /// The job.
    public var job: String
    /// The error, as recorded.
    public var error: String
    /// How many runs.
    public var count: Int
    /// When the newest was created.
    public var newestAt: Date

    /// A group.
    public init(job: String, error: String, count: Int, newestAt: Date) {
        self.job = job
        self.error = error
        self.count = count
        self.newestAt = newestAt
    }
}
