import Foundation

/// Failed and discarded runs of one job that failed the same way (one ``FailureFingerprint``):
/// a group on the dashboard's Failures page.
public struct FailureGroup: Equatable, Sendable {
    /// The job.
    public var job: String
    /// The errors' fingerprint.
    public var error: String
    /// How many runs.
    public var count: Int
    /// When the newest ended.
    public var newestAt: Date

    /// A group.
    public init(job: String, error: String, count: Int, newestAt: Date) {
        self.job = job
        self.error = error
        self.count = count
        self.newestAt = newestAt
    }

    /// `groups` with the same job and fingerprint added up, largest first (then newest), at
    /// most `limit` of them.
    public static func merged(_ groups: [FailureGroup], limit: Int) -> [FailureGroup] {
        var merged: [String: FailureGroup] = [:]
        for group in groups {
            let key = "\(group.job)\u{0}\(group.error)"
            if var existing = merged[key] {
                existing.count += group.count
                existing.newestAt = max(existing.newestAt, group.newestAt)
                merged[key] = existing
            } else {
                merged[key] = group
            }
        }
        return Array(merged.values.sorted { ($0.count, $0.newestAt) > ($1.count, $1.newestAt) }.prefix(max(1, limit)))
    }
}
