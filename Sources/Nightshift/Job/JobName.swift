import Foundation

/// A job's name bound to the type of its params, so that the code that defines the job and the
/// code that enqueues it cannot disagree on either:
///
/// ```swift
/// struct Invoice: Codable, Sendable { let id: Int }
/// let sendInvoice: JobName<Invoice> = "send-invoice"
///
/// let job = try Job(name: sendInvoice) { context, invoice in
///     try await mailer.send(invoice.id)
///     return ["sent": .number(Double(invoice.id))]
/// }
/// let run = try NewRun(job: sendInvoice, params: Invoice(id: 42))
/// ```
public struct JobName<Params: Codable & Sendable>: Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The name as stored.
    public let rawValue: String

    /// The job named `name`.
    public init(_ name: String) {
        rawValue = name
    }

    public init(stringLiteral value: String) {
        rawValue = value
    }

    public var description: String { rawValue }
}

extension Job {
    /// A job named `name` whose body receives the run's params decoded as `Params`; params that
    /// do not decode fail the attempt with the decoding error.
    public init<Params>(
        name: JobName<Params>, schedule: Schedule? = nil, timeZone: TimeZone? = nil, description: String = "",
        enabled: Bool = true, policies: JobPolicies = JobPolicies(),
        body: @escaping @Sendable (JobContext, Params) async throws -> JSONObject
    ) throws(JobDefinitionError) {
        try self.init(
            name: name.rawValue, schedule: schedule, timeZone: timeZone, description: description, enabled: enabled,
            policies: policies
        ) { context in
            try await body(context, try context.params(as: Params.self))
        }
    }
}

extension NewRun {
    /// A run of the job `job` with `params`, which must encode to a JSON object.
    public init<Params>(
        job: JobName<Params>, params: Params, runAt: Date? = nil, priority: Int = 0, queue: String = NewRun.defaultQueue,
        uniqueKey: String? = nil, maxAttempts: Int = 1
    ) throws {
        try self.init(
            job: job.rawValue, params: params, runAt: runAt, priority: priority, queue: queue,
            uniqueKey: uniqueKey, maxAttempts: maxAttempts)
    }
}
