import Foundation

/// A job Nightshift can run: a name, an optional schedule, its policies, and the work itself.
///
/// ```swift
/// let job = Job(name: "cleanup-sessions", schedule: try Schedule("0 */6 * * *")) { context in
///     let deleted = try await deleteExpiredSessions(dryRun: context.isDryRun)
///     return ["expiredCount": .number(Double(deleted))]
/// }
/// ```
/// The returned object becomes the run's details and the `[job] Completed. key=value` line.
/// A thrown error fails the attempt; its description is recorded as the run's error.
public struct Job: Sendable {
    /// The work: gets a context, returns details.
    public typealias Body = @Sendable (JobContext) async throws -> JSONObject

    /// Unique name: letters, digits, `-`, `_` and `.`.
    public let name: String
    /// When it fires; nil for jobs that only run when triggered or enqueued.
    public var schedule: Schedule?
    /// The zone of the job's schedule and of its date windows (`--date`, backfills).
    public var timeZone: TimeZone
    /// One line for people reading the status.
    public var description: String
    /// A disabled job is never scheduled; manual runs still work.
    public var enabled: Bool
    /// What kind of job this is (`swift`, `sql`, `command`, …), for listings.
    public var kind: String
    /// Timeout, retries, overlap and catch-up.
    public var policies: JobPolicies
    /// The work.
    public let body: Body

    /// Creates a job; throws ``JobDefinitionError`` when the name is not valid.
    public init(
        name: String, schedule: Schedule? = nil, timeZone: TimeZone? = nil, description: String = "", enabled: Bool = true,
        kind: String = "swift", policies: JobPolicies = JobPolicies(), body: @escaping Body
    ) throws(JobDefinitionError) {
        guard !name.isEmpty, name.count <= 200,
            name.unicodeScalars.allSatisfy({
                $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
            })
        else {
            throw JobDefinitionError(job: name, reason: "job names may only contain letters, digits, '-', '_' and '.'")
        }
        self.name = name
        self.schedule = schedule
        self.timeZone = timeZone ?? schedule?.timeZone ?? TimeZone(identifier: "UTC")!
        self.description = description
        self.enabled = enabled
        self.kind = kind
        self.policies = policies
        self.body = body
    }
}

/// A job that cannot be defined as given.
public struct JobDefinitionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The job's name as given.
    public let job: String
    /// What is wrong.
    public let reason: String
    public var description: String { "job '\(job)': \(reason)" }
}
