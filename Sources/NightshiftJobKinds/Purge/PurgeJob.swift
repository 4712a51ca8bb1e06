import Foundation
import Nightshift
import NightshiftDatabase

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
        public var olderThan: Duration
        /// An extra SQL condition rows must also meet, if any.
        public var filter: String?
        /// Rows per chunk (one short transaction each).
        public var batchSize: Int
        /// The retention as written (`12mo`), for the report line; nil: described from seconds.
        public var olderThanText: String?
        /// Reported in one line with the next targets of the same `group` and retention:
        /// `label` names this one (`hourly`), `group` what they are (`rollup`), as in
        /// `Removed 0 hourly and 0 daily rollup rows older than 12 months.`
        public var label: String?
        public var group: String?

        /// A target; `filter` is SQL from the config (trusted like a `sql` job's statement).
        public init(
            table: SQLName, timestampColumn: String, olderThan: Duration, filter: String? = nil, batchSize: Int = 10_000,
            olderThanText: String? = nil, label: String? = nil, group: String? = nil
        ) {
            self.table = table
            self.timestampColumn = timestampColumn
            self.olderThan = olderThan
            self.filter = filter
            self.batchSize = batchSize
            self.olderThanText = olderThanText
            self.label = label
            self.group = group
        }

        /// The retention in words.
        var age: String { olderThanText.flatMap(DurationText.words) ?? PurgeJob.describe(olderThan.inSeconds) }
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
        let now = try await pool.databaseNow()
        var details = JSONObject()
        // A table may be listed more than once (a retention per level): its counts add up, and
        // each entry archives to a file of its own (the second used to truncate the first's,
        // after its rows were deleted).
        var entries: [String: Int] = [:]
        // Counts of grouped targets wait for the last of their group, which reports them together.
        var grouped: [(label: String, count: Int)] = []
        func report(_ target: Target, index: Int, count: Int) {
            let verb = context.isDryRun ? "DRY RUN: " : "Removed "
            let ending = context.isDryRun ? " would be removed." : "."
            guard let group = target.group, let label = target.label else {
                context.report("\(verb)\(count) \(target.table) rows older than \(target.age)\(ending)")
                return
            }
            grouped.append((label, count))
            let next = index + 1 < targets.count ? targets[index + 1] : nil
            guard next?.group != group || next?.age != target.age || next?.label == nil else { return }
            let counts = grouped.map { "\($0.count) \($0.label)" }
            let list = counts.count > 1 ? counts.dropLast().joined(separator: ", ") + " and " + (counts.last ?? "") : counts[0]
            context.report("\(verb)\(list) \(group) rows older than \(target.age)\(ending)")
            grouped = []
        }
        for (index, target) in targets.enumerated() {
            let schema = try await TableSchema.read(target.table, on: pool, database: database)
            let delete = ChunkedDelete(
                pool: pool, schema: schema,
                timeColumn: try TimeColumn(target.timestampColumn, in: schema, sql: pool.maintenance),
                cutoff: now.addingTimeInterval(-target.olderThan.inSeconds), filter: target.filter, batchSize: target.batchSize)
            let name = target.table.baseName
            let entry = entries[target.table.text, default: 0] + 1
            entries[target.table.text] = entry
            func add(_ count: Int, to key: String) {
                let earlier = if case .number(let value) = details[key] { value } else { 0.0 }
                details[key] = .number(earlier + Double(count))
            }
            if context.isDryRun {
                let count = try await delete.count()
                add(count, to: "\(name)_to_delete")
                report(target, index: index, count: count)
            } else {
                let archive = try archiveFolder.map { folder throws(MaintenanceError) in
                    try GzipNDJSONWriter(
                        path: Self.archivePath(folder: folder, context: context, table: target.table, entry: entry, at: now))
                }
                let deleted = try await delete.run(archive: archive) { _ in try context.checkCancellation() }
                try archive?.finish()
                add(deleted, to: "\(name)_deleted")
                if let archive { details[entry == 1 ? "\(name)_archive" : "\(name)_archive_\(entry)"] = .string(archive.path) }
                report(target, index: index, count: deleted)
            }
            context.progress((index + 1) * 100 / targets.count)
        }
        if context.isDryRun { details["dryRun"] = true }
        return details
    }

    /// `<folder>/<job>/<table>-<UTC time>-<run id>.ndjson.gz`: one file per run and table, with
    /// `-<entry>` after the table for its second and later entries. A job name that is a path
    /// of its own (`.`, `..`, one with `/`) is written with `_` so that it stays in the folder.
    static func archivePath(folder: String, context: JobContext, table: SQLName, entry: Int = 1, at time: Date) -> String {
        let stamp = ISO8601Format.string(from: time).replacingOccurrences(of: ":", with: "")
        var job = context.jobName.replacingOccurrences(of: "/", with: "_")
        if job.hasPrefix(".") { job = "_" + job.dropFirst() }
        let table = entry == 1 ? table.text : "\(table.text)-\(entry)"
        // The whole run id: its first characters are a timestamp (version 7), the same for runs
        // close in time.
        return "\(folder)/\(job)/\(table)-\(stamp)-\(context.runID.lowercasedText).ndjson.gz"
    }

    /// `90 days`, `12 hours`, or the short form for other lengths.
    static func describe(_ seconds: Double) -> String {
        for (unit, size) in [("day", 86_400.0), ("hour", 3600.0), ("minute", 60.0)]
        where seconds >= size && seconds.truncatingRemainder(dividingBy: size) == 0 {
            let count = Int(seconds / size)
            return "\(count) \(unit)\(count == 1 ? "" : "s")"
        }
        return DurationText.format(seconds)
    }
}
