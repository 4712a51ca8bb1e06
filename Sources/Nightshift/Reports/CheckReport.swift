import Foundation

/// `{"jobs":[{"name","schedule","timezone","next":[…]}]}`: what `nightshift check --json` prints.
public struct CheckReport: Codable, Equatable, Sendable {
    /// One job's upcoming fires.
    public struct JobFires: Codable, Equatable, Sendable {
        public var name: String
        public var schedule: String?
        public var timezone: String
        public var next: [String]
    }

    public var jobs: [JobFires]

    /// The next `count` fires of each job after `after`.
    public init(jobs: [Job], after: Date, count: Int) {
        self.jobs = jobs.map { job in
            JobFires(
                name: job.name, schedule: job.schedule?.description, timezone: job.timeZone.ianaName,
                next: job.schedule?.nextFires(after: after, count: count).map(ISO8601Format.string(from:)) ?? [])
        }
    }
}
