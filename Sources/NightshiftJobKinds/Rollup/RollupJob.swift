import Foundation
import Nightshift
import NightshiftDatabase
import SQLKit

/// The `rollup` job kind: aggregates `source` rows into `<target>_hourly`, `_daily`, `_weekly`
/// and `_monthly` tables, one row per group and bucket.
///
/// Each granularity is one set-based `INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE` over
/// whole buckets, so re-running any window gives identical rows. A scheduled run covers the
/// buckets touched since the last run's watermark, reaching back `lateData` for rows that
/// arrive late; a run with a date window (`--date`, `--from`/`--to`) recomputes that window
/// and leaves the watermark alone. Buckets start at local boundaries of the job's time zone.
public struct RollupJob: Sendable {
    /// The database's name in the config.
    public let database: String
    /// The table of raw rows.
    public let source: SQLName
    /// The column holding each source row's time.
    public let timestampColumn: String
    /// The columns to group by, kept in the targets.
    public let groupBy: [String]
    /// The bucket sizes to write.
    public let granularities: [RollupGranularity]
    /// The targets' common prefix.
    public let target: SQLName
    /// The target columns and their aggregates.
    public let measures: [RollupMeasure]
    /// How far before the watermark a scheduled run reaches back.
    public let lateData: Duration
    /// Where bucket boundaries fall.
    public let timeZone: TimeZone
    /// The targets' bucket column (`bucket_start` unless the targets exist with another, such
    /// as `date`). In an existing target where it has the type `date`, buckets are written as
    /// their local day: a team's `telemetry_daily(date, event, count, …)` is used as it is.
    public let bucketColumn: String
    /// Whether only buckets that have ended are written: the hour or day still under way is left
    /// for a later run, so a target never holds a partial count (the next scheduled run reaches
    /// back to it, as it began before that run's watermark).
    public let completeBucketsOnly: Bool

    /// A rollup; see the type's documentation.
    public init(
        database: String, source: SQLName, timestampColumn: String, groupBy: [String], granularities: [RollupGranularity],
        target: SQLName, measures: [RollupMeasure], lateData: Duration = .seconds(3600), timeZone: TimeZone,
        bucketColumn: String = "bucket_start", completeBucketsOnly: Bool = false
    ) {
        self.bucketColumn = bucketColumn
        self.completeBucketsOnly = completeBucketsOnly
        self.database = database
        self.source = source
        self.timestampColumn = timestampColumn
        self.groupBy = groupBy
        self.granularities = granularities
        self.target = target
        self.measures = measures
        self.lateData = lateData
        self.timeZone = timeZone
    }

    /// The target table of `granularity`.
    public func table(_ granularity: RollupGranularity) -> SQLName { target.appending(granularity.tableSuffix) }

    /// The work, for ``Job``.
    public func body(registry: DatabaseRegistry) -> Job.Body {
        { context in
            try await withReadableDatabaseErrors {
                try await run(context: context, pool: try await registry.pool(named: database))
            }
        }
    }

    private func run(context: JobContext, pool: SQLConnectionPool) async throws -> JSONObject {
        let sql = pool.maintenance
        let schema = try await TableSchema.read(source, on: pool, database: database)
        let time = try TimeColumn(timestampColumn, in: schema, sql: sql)
        try schema.require(groupBy + measures.compactMap(\.aggregate.column))
        try sql.checkBucketTimeZone(timeZone)
        // Before anything is created: a measure this database cannot compute fails the run here.
        for measure in measures { _ = try sql.expression(of: measure, time: time.instant) }
        let watermarks = RollupWatermark(pool: pool, job: context.jobName, target: target.text)
        let now = try await pool.databaseNow()
        let window: (from: Date, to: Date)
        let advancesWatermark = context.window == nil
        if let requested = context.window {
            window = (requested.from, requested.to)
        } else if let mark = try await watermarks.read() {
            window = (mark.addingTimeInterval(-lateData.inSeconds), now)
        } else {
            window = (Date(timeIntervalSince1970: 0), now)
        }
        if !context.isDryRun { try await createTargets(pool: pool, schema: schema) }
        var details = JSONObject()
        for (index, granularity) in granularities.enumerated() {
            try context.checkCancellation()
            var buckets = granularity.covering(window, in: timeZone)
            if completeBucketsOnly {
                buckets.to = min(buckets.to, granularity.covering((now, now), in: timeZone).from)
            }
            let asDate = try await bucketIsDate(granularity, pool: pool)
            let written = try await write(
                granularity, buckets: buckets, time: time, pool: pool, dryRun: context.isDryRun, asDate: asDate)
            details[granularity.detailsKey] = .number(Double(written))
            context.progress((index + 1) * 100 / granularities.count)
        }
        details["from"] = .string(ISO8601Format.string(from: window.from))
        details["to"] = .string(ISO8601Format.string(from: window.to))
        if context.isDryRun {
            details["dryRun"] = true
        } else if advancesWatermark {
            try await watermarks.store(now)
        }
        return details
    }

    /// Upserts the buckets of `[buckets.from, buckets.to)` and returns how many were written
    /// (in a dry run, how many would be).
    private func write(
        _ granularity: RollupGranularity, buckets: (from: Date, to: Date), time: TimeColumn, pool: SQLConnectionPool,
        dryRun: Bool,
        asDate: Bool
    ) async throws -> Int {
        guard buckets.to > buckets.from else { return 0 }
        let sql = pool.maintenance
        let start = sql.bucketStart(granularity, of: time.instant, in: timeZone)
        let bucket = asDate ? try sql.localDay(of: start, in: timeZone) : start
        let bucketName = "\"\(bucketColumn)\""
        let groups = groupBy.map { "\"\($0)\"" }
        // A dry run only counts buckets, so it needs neither the measures nor anything they create.
        let aggregates =
            try dryRun
            ? [] : measures.map { measure throws(MaintenanceError) in try sql.expression(of: measure, time: time.instant) }
        let select: SQLQueryString = """
            SELECT \(unsafeRaw: (groups + ["\(bucket) AS \(bucketName)"] + aggregates).joined(separator: ", ")) \
            FROM \(unsafeRaw: source.quoted) WHERE \(time.compare(">=", buckets.from)) AND \(time.compare("<", buckets.to)) \
            GROUP BY \(unsafeRaw: (1...(groups.count + 1)).map(String.init).joined(separator: ", "))
            """
        if dryRun {
            return try await pool.withDatabase { db in
                try await db.raw("SELECT count(*) AS n FROM (" + select + ") buckets").first()?.decode(column: "n", as: Int.self)
                    ?? 0
            }
        }
        let table = self.table(granularity).quoted
        let columns = (groups + [bucketName] + measures.map { "\"\($0.name)\"" }).joined(separator: ", ")
        let updates = measures.map { "\"\($0.name)\" = excluded.\"\($0.name)\"" }.joined(separator: ", ")
        // A bucket whose values are already right is not written again, and not counted: an
        // immediate re-run reports `hourlyBuckets=0, dailyBuckets=0`, as teams' scripts did.
        let stored = measures.map { "\(table).\"\($0.name)\"" }.joined(separator: ", ")
        let computed = measures.map { "excluded.\"\($0.name)\"" }.joined(separator: ", ")
        let upsert: SQLQueryString =
            "INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: columns)) " + select
            + " ON CONFLICT (\(unsafeRaw: (groups + [bucketName]).joined(separator: ", "))) DO UPDATE SET \(unsafeRaw: updates)"
            + " WHERE (\(unsafeRaw: stored)) \(unsafeRaw: sql.rowsDiffer) (\(unsafeRaw: computed))"
        return try await sql.write(upsert, into: table, bucketColumn: bucketName, groups: groups, window: buckets, on: pool)
    }

    /// Creates the targets that are missing (and, on PostgreSQL, the JSON merge aggregate);
    /// checks that existing ones have the columns the rollup writes.
    private func createTargets(pool: SQLConnectionPool, schema: TableSchema) async throws {
        let sql = pool.maintenance
        let groupColumns = groupBy.map { "\"\($0)\" \(schema.columns[$0] ?? "TEXT")" }
        let measureColumns = measures.map {
            "\"\($0.name)\" \(sql.columnType(of: $0, sourceType: $0.aggregate.column.flatMap { schema.columns[$0] }))"
        }
        let bucketDefinition = sql.bucketColumn(named: self.bucketColumn)
        let key = (groupBy.map { "\"\($0)\"" } + ["\"\(self.bucketColumn)\""]).joined(separator: ", ")
        try await pool.withTransaction { db in
            try await sql.serializeSchemaChanges(on: db)
            try await sql.prepare(for: measures, on: db)
            for granularity in granularities {
                let table = self.table(granularity)
                let unique = sql.uniqueConstraint(key)
                try await db.raw(
                    """
                    CREATE TABLE IF NOT EXISTS \(unsafeRaw: table.quoted) (\(unsafeRaw: (groupColumns + [bucketDefinition] + measureColumns).joined(separator: ", ")), \
                    CONSTRAINT "\(unsafeRaw: table.baseName)_bucket" \(unsafeRaw: unique))
                    """
                ).run()
            }
        }
        for granularity in granularities {
            let existing = try await TableSchema.read(table(granularity), on: pool, database: database)
            try existing.require(groupBy + [self.bucketColumn] + measures.map(\.name))
        }
    }

    /// Whether the target of `granularity` exists with a bucket column of type `date`.
    private func bucketIsDate(_ granularity: RollupGranularity, pool: SQLConnectionPool) async throws -> Bool {
        guard let existing = try? await TableSchema.read(table(granularity), on: pool, database: database) else { return false }
        return existing.columns[bucketColumn]?.lowercased() == "date"
    }
}
