import Foundation
import Nightshift
import NightshiftSQL

/// The `purge` job kind: deletes rows older than a retention from one or more tables, in
/// chunks, optionally archiving them first (gzip NDJSON, one file per run and table).
///
/// A dry run counts exactly the rows that would go, with reads only, and writes nothing.
/// Details carry one entry per table: `api_events_deleted=…` (in a dry run `api_events_to_delete=…`).
public struct PurgeJob: Sendable {
    /// One table to purge.
    public struct Target: Sendable {
        /// The table.
        public var table: SQLName
        /// The column holding each row's time.
        public var timestampColumn: String
        /// Rows older than this many seconds go.
        public var olderThan: Double
        /// An extra SQL condition rows must also meet, if any.
        public var filter: String?
        /// Rows per chunk (one short transaction each).
        public var batchSize: Int

        /// A target; `filter` is SQL from the config (trusted like a `sql` job's statement).
        public init(table: SQLName, timestampColumn: String, olderThan: Double, filter: String? = nil, batchSize: Int = 10_000) {
            self.table = table
            self.timestampColumn = timestampColumn
            self.olderThan = olderThan
            self.filter = filter
            self.batchSize = batchSize
        }
    }

    /// The database's name in the config.
    public let database: String
    /// The tables, purged in this order.
    public let targets: [Target]
    /// The folder to archive deleted rows into, if any.
    public let archiveFolder: String?

    /// A purge of `targets` in `database`.
    public init(database: String, targets: [Target], archiveFolder: String? = nil) {
        self.database = database
        self.targets = targets
        self.archiveFolder = archiveFolder
    }

    /// The work, for ``Job``.
    public func body(registry: DatabaseRegistry) -> Job.Body {
        { context in try await withReadableDatabaseErrors { try await run(context: context, registry: registry) } }
    }

    private func run(context: JobContext, registry: DatabaseRegistry) async throws -> JSONObject {
        let pool = try await registry.pool(named: database)
        let now = Date()
        var details = JSONObject()
        for (index, target) in targets.enumerated() {
            let schema = try await TableSchema.read(target.table, on: pool, database: database)
            let delete = ChunkedDelete(
                pool: pool, schema: schema, timeColumn: try TimeColumn(target.timestampColumn, in: schema, flavor: pool.dialect.flavor),
                cutoff: now.addingTimeInterval(-target.olderThan), filter: target.filter, batchSize: target.batchSize)
            let age = Self.describe(target.olderThan)
            let name = target.table.baseName
            if context.isDryRun {
                let count = try await delete.count()
                details["\(name)_to_delete"] = .number(Double(count))
                context.report("DRY RUN: \(count) \(target.table) rows older than \(age) would be removed.")
            } else {
                let archive = try archiveFolder.map { folder throws(MaintenanceError) in
                    try GzipNDJSONWriter(path: Self.archivePath(folder: folder, context: context, table: target.table, at: now))
                }
                let deleted = try await delete.run(archive: archive) { _ in try context.checkCancellation() }
                try archive?.finish()
                details["\(name)_deleted"] = .number(Double(deleted))
                if let archive { details["\(name)_archive"] = .string(archive.path) }
                context.report("Removed \(deleted) \(target.table) rows older than \(age).")
            }
            context.progress((index + 1) * 100 / targets.count)
        }
        if context.isDryRun { details["dryRun"] = true }
        return details
    }

    /// `<folder>/<job>/<table>-<UTC time>-<run id>.ndjson.gz`: one file per run and table.
    static func archivePath(folder: String, context: JobContext, table: SQLName, at time: Date) -> String {
        let stamp = ISO8601Format.string(from: time).replacingOccurrences(of: ":", with: "")
        // The whole run id: its first characters are a timestamp (version 7), the same for runs
        // close in time.
        return "\(folder)/\(context.jobName)/\(table.text)-\(stamp)-\(context.runID.lowercasedText).ndjson.gz"
    }

    /// `90 days`, `12 hours`, or the short form for other lengths.
    static func describe(_ seconds: Double) -> String {
        for (unit, size) in [("day", 86_400.0), ("hour", 3600.0), ("minute", 60.0)] where seconds >= size && seconds.truncatingRemainder(dividingBy: size) == 0 {
            let count = Int(seconds / size)
            return "\(count) \(unit)\(count == 1 ? "" : "s")"
        }
        return DurationText.format(seconds)
    }
}
