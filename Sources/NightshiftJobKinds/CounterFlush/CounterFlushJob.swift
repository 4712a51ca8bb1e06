import Foundation
import Nightshift
import NightshiftRedis
import NightshiftDatabase
import SQLKit

/// The `counter-flush` job kind: Redis counters whose keys match a pattern, upserted into a table.
///
/// Keys are walked with `SCAN`, read in one command per batch (`MGET`, or pipelined `HGETALL`
/// for hash layouts) and upserted in one statement per batch. Dated keys (`{date}` in the
/// pattern) are written as absolute values, so re-running is idempotent. Undated keys are moved:
/// each is renamed to a pending key, its count added in a transaction that also records the
/// pending key in a ledger, and only then deleted, so a crash at any point loses nothing and
/// counts nothing twice (the next run finishes what the crashed one left pending).
///
/// Params filter the keys (`tenant=acme`, any field of the pattern; the run's date window picks
/// days); `status=true` reports, for one day, how much of Redis is already in the table.
/// A key that does not fit the layout or holds no number is counted in `badKeys` and logged.
public struct CounterFlushJob: Sendable {
    /// The database's name in the config.
    public let database: String
    /// The Redis server's name in the config.
    public let redis: String
    /// The key layout.
    public let pattern: CounterKeyPattern
    /// For hash layouts: the field named by each hash field (`metric`); nil for one key per counter.
    public let hashField: String?
    /// The table.
    public let table: SQLName
    /// Field names to column names; fields not listed use their own name.
    public let columns: [String: String]
    /// The number columns, the first being the count `status` compares; one unless hash fields
    /// tell several apart (see ``CounterValue``).
    public let values: [CounterValue]
    /// ``values``' indices in the order hash fields are matched against them.
    let valueMatchOrder: [Int]
    /// When set, the value of ``totalField`` for a per-group total row (`__total__`).
    public let totalMarker: String?
    /// Keys per `SCAN` batch and per upsert.
    public let batchSize: Int
    /// The time zone of `{date}`, for date windows.
    public let timeZone: TimeZone
    /// For tests: called at each step of a batch; throwing there stands for a crash at that point.
    var crashPoint: (@Sendable (FlushStep) throws -> Void)?

    /// The steps of a batch, in order.
    enum FlushStep: CaseIterable {
        case scanned, moved, committed, deleted
    }

    /// A flush; see the type's documentation.
    public init(
        database: String, redis: String, pattern: CounterKeyPattern, hashField: String? = nil, table: SQLName,
        columns: [String: String] = [:], values: [CounterValue] = [CounterValue(column: "value")], totalMarker: String? = nil,
        batchSize: Int = 1000,
        timeZone: TimeZone = TimeZone(identifier: "UTC")!
    ) {
        self.timeZone = timeZone
        self.database = database
        self.redis = redis
        self.pattern = pattern
        self.hashField = hashField
        self.table = table
        self.columns = columns
        self.values = values
        valueMatchOrder = values.matchOrder
        self.totalMarker = totalMarker
        self.batchSize = batchSize
    }

    /// Every field of a row: the pattern's and the hash field.
    var rowFields: [String] { pattern.fields + [hashField].compactMap { $0 } }

    /// The field whose value the total row replaces: the hash field, else the last field that is not the date.
    var totalField: String? { hashField ?? pattern.fields.last { $0 != CounterKeyPattern.dateField } }

    func column(_ field: String) -> String { columns[field] ?? field }

    /// For a hash field: which of ``values`` it holds (by index) and the counter's name.
    func value(inHashField hashField: String) -> (index: Int, name: String)? {
        for index in valueMatchOrder {
            if let name = values[index].counterName(inHashField: hashField) { return (index, name) }
        }
        return nil
    }

    /// The work, for ``Job``.
    public func body(registry: DatabaseRegistry) -> Job.Body {
        { context in
            try await withReadableDatabaseErrors {
                let flush = CounterFlushRun(
                    job: self, context: context, client: try await registry.redis(named: redis),
                    pool: try await registry.pool(named: database))
                return try await flush.run()
            }
        }
    }
}
