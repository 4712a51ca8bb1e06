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

    /// Unique name: letters, digits, `-`, `_` and `.`, other than ``reservedNames``.
    public let name: String
    /// Names no job may have.
    public static let reservedNames: Set<String> = [".", "..", "runs", "status"]
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
    /// Whether the job reads a run's date or range (``JobContext/window``), so that offering
    /// one makes sense; true unless its maker knows better (the config's `sql`, `purge` and
    /// `expire` kinds).
    public var takesWindow = true
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
        // `.` and `..` name folders, not jobs (an archive folder per job); `runs` and `status`
        // are paths of the admin API under /api/jobs/, where the job could not be paused.
        guard !Self.reservedNames.contains(name) else {
            throw JobDefinitionError(
                job: name,
                reason: "'\(name)' is reserved; pick another name (not \(Self.reservedNames.sorted().joined(separator: ", ")))")
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
public struct JobDefinitionError: BadInput, Equatable, Sendable {
    /// The job's name as given.
    public let job: String
    /// What is wrong.
    public let reason: String
    public var description: String { "job '\(job)': \(reason)" }
}
