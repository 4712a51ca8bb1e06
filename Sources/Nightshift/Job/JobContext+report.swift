import Logging

extension JobContext {
    /// The metadata key that marks a log message as a report line.
    public static let reportMetadataKey = "report"

    /// A line for the people watching the run, such as `Removed 25000 system_logs rows older
    /// than 2 days.`: logged at `notice`, and printed by `nightshift run` as `[job] line`.
    public func report(_ line: String) {
        logger.notice("\(line)", metadata: [Self.reportMetadataKey: "true"])
    }
}
