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
    /// The numbers each counter has (for hash layouts, told apart by their hash fields; see
    /// ``CounterValue``), the same as the flush job's.
    public let values: [CounterValue]
    /// How long a counter key lives after its last increment; seven days by default, so that
    /// unflushed counts survive a week of flush outages and then go.
    public let timeToLive: Duration
    /// The time zone of `{date}`.
    public let timeZone: TimeZone

    /// A counter writing keys of `pattern` through `client`.
    public init(
        client: RedisClient, pattern: CounterKeyPattern, hashField: String? = nil,
        values: [CounterValue] = [CounterValue(column: "value")], timeToLive: Duration = .seconds(7 * 86_400),
        timeZone: TimeZone = TimeZone(identifier: "UTC")!
    ) {
        self.client = client
        self.pattern = pattern
        self.hashField = hashField
        self.values = values
        self.timeToLive = timeToLive
        self.timeZone = timeZone
    }

    /// Adds `amount` to the first of ``values`` of the counter named by `fields` (its `{date}`
    /// is `date`'s day when not given) and returns the new count. Throws
    /// ``CounterKeyPatternError`` when a field is missing.
    @discardableResult
    public func increment(_ fields: [String: String], by amount: Int64 = 1, at date: Date = Date()) async throws -> Int64 {
        try await add([(values[0], amount)], to: fields, at: date)[0]
    }

    /// Adds each amount to the value of its column (`["call_count": 1, "total_weight": 5]`) of
    /// the counter named by `fields`, in one round trip, and returns the new numbers by column.
    /// Throws ``CounterKeyPatternError`` when a field is missing or a column is none of ``values``.
    @discardableResult
    public func increment(_ fields: [String: String], by amounts: [String: Int64], at date: Date = Date()) async throws
        -> [String: Int64]
    {
        var additions: [(CounterValue, Int64)] = []
        for (column, amount) in amounts.sorted(by: { $0.key < $1.key }) {
            guard let value = values.first(where: { $0.column == column }) else {
                throw CounterKeyPatternError(
                    pattern: pattern.description, reason: "'\(column)' is none of \(values.map(\.column).joined(separator: ", "))"
                )
            }
            additions.append((value, amount))
        }
        let counts = try await add(additions, to: fields, at: date)
        return Dictionary(zip(additions.map(\.0.column), counts)) { $1 }
    }

    private func add(_ additions: [(value: CounterValue, amount: Int64)], to fields: [String: String], at date: Date)
        async throws -> [Int64]
    {
        var fields = fields
        if pattern.isDated, fields[CounterKeyPattern.dateField] == nil {
            fields[CounterKeyPattern.dateField] = DateWindow(from: date, to: date).dayLabel(in: timeZone)
        }
        guard let key = pattern.key(fields), hashField.map({ fields[$0] != nil }) ?? true else {
            throw CounterKeyPatternError(
                pattern: pattern.description,
                reason: "no value for one of \((pattern.fields + [hashField].compactMap { $0 }).joined(separator: ", "))")
        }
        let increments = additions.map { value, amount in
            hashField.map { ["HINCRBY", key, value.hashField(of: fields[$0]!), String(amount)] }
                ?? ["INCRBY", key, String(amount)]
        }
        let replies = try await client.pipeline(increments + [["EXPIRE", key, String(timeToLive.components.seconds)]])
        return try zip(increments, replies).map { increment, reply in
            if case .error(let message) = reply { throw RedisError.server(message) }
            guard let count = reply.integer else { throw RedisError.unexpectedReply(command: increment[0], reply: "\(reply)") }
            return count
        }
    }
}
