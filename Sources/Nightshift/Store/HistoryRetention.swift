/// How long finished runs are kept: `history: { keep: 30d, keep_failed: 90d }`, for all jobs
/// and overridden per job. Failed and discarded runs usually deserve a longer memory.
public struct HistoryRetention: Equatable, Sendable {
    /// One retention rule.
    public struct Rule: Equatable, Sendable {
        /// How long succeeded, cancelled and skipped runs are kept.
        public var keep: Duration
        /// How long failed and discarded runs are kept.
        public var keepFailed: Duration

        /// A rule; the defaults are 30 and 90 days.
        public init(keep: Duration = .seconds(30 * 86_400), keepFailed: Duration = .seconds(90 * 86_400)) {
            self.keep = keep
            self.keepFailed = keepFailed
        }
    }

    /// The rule for jobs without their own.
    public var defaultRule: Rule
    /// Rules of single jobs.
    public var jobRules: [String: Rule]

    /// Retention with `defaultRule` for all jobs but those in `jobRules`.
    public init(defaultRule: Rule = Rule(), jobRules: [String: Rule] = [:]) {
        self.defaultRule = defaultRule
        self.jobRules = jobRules
    }
}
