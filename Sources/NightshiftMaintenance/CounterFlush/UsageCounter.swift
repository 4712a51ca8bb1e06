import Foundation
import Nightshift
import NightshiftRedis

/// What apps call to count usage in Redis, in the layout a `counter-flush` job reads: `INCRBY`
/// (or `HINCRBY` for hash layouts) and an expiry, sent together in one round trip.
public struct UsageCounter: Sendable {
    /// The Redis connection pool.
    public let client: RedisClient
    /// The key layout, the same as the flush job's `keys`.
    public let pattern: CounterKeyPattern
    /// For hash layouts, the field whose value names the hash field (`metric`); nil for one key per counter.
    public let hashField: String?
    /// How long a counter key lives after its last increment; seven days by default, so that
    /// unflushed counts survive a week of flush outages and then go.
    public let timeToLive: Duration
    /// The time zone of `{date}`.
    public let timeZone: TimeZone

    /// A counter writing keys of `pattern` through `client`.
    public init(
        client: RedisClient, pattern: CounterKeyPattern, hashField: String? = nil, timeToLive: Duration = .seconds(7 * 86_400),
        timeZone: TimeZone = TimeZone(identifier: "UTC")!
    ) {
        self.client = client
        self.pattern = pattern
        self.hashField = hashField
        self.timeToLive = timeToLive
        self.timeZone = timeZone
    }

    /// Adds `amount` to the counter named by `values` (its `{date}` is `date`'s day when not
    /// given) and returns the new count. Throws ``CounterKeyPatternError`` when a field is missing.
    @discardableResult
    public func increment(_ values: [String: String], by amount: Int64 = 1, at date: Date = Date()) async throws -> Int64 {
        var values = values
        if pattern.isDated, values[CounterKeyPattern.dateField] == nil {
            values[CounterKeyPattern.dateField] = DateWindow(from: date, to: date).dayLabel(in: timeZone)
        }
        guard let key = pattern.key(values), hashField.map({ values[$0] != nil }) ?? true else {
            throw CounterKeyPatternError(
                pattern: pattern.description,
                reason: "no value for one of \((pattern.fields + [hashField].compactMap { $0 }).joined(separator: ", "))")
        }
        let increment = hashField.map { ["HINCRBY", key, values[$0]!, String(amount)] } ?? ["INCRBY", key, String(amount)]
        let replies = try await client.pipeline([increment, ["EXPIRE", key, String(timeToLive.components.seconds)]])
        if case .error(let message) = replies[0] { throw RedisError.server(message) }
        guard let count = replies[0].integer else {
            throw RedisError.unexpectedReply(command: increment[0], reply: "\(replies[0])")
        }
        return count
    }
}
