import Foundation
import Nightshift
import NightshiftRedis
import NightshiftDatabase
import SQLKit

/// One execution of a ``CounterFlushJob``.
struct CounterFlushRun {
    let job: CounterFlushJob
    let context: JobContext
    let client: RedisClient
    let pool: SQLConnectionPool

    /// What a batch read from Redis gave.
    struct Batch {
        /// Each good key with its rows: field values, which of the job's values (index), the number.
        var rows: [(key: String, fields: [String: String], value: Int, count: Int64)] = []
        /// Keys that could be read and fit the layout.
        var goodKeys: [String] = []
        /// Keys that did not, with why.
        var badKeys: [(key: String, reason: String)] = []
    }

    /// Counts for the details.
    struct Tally {
        var processedKeys = 0
        var upserts = 0
        var badKeys = 0
        var badKeySamples: [String] = []
    }

    func run() async throws -> JSONObject {
        let filters = try filters()
        let days = try days()
        if context.params["status"] == true || context.params["status"] == "true" {
            return try await status(
                filters: filters, day: days?.first ?? DateWindow(from: Date(), to: Date()).dayLabel(in: job.timeZone))
        }
        let table = try await CounterTable.open(for: job, pool: pool, create: !context.isDryRun)
        context.logger.info(
            "Flushing counters matching \(job.pattern)\(days.map { " for \($0.joined(separator: ", "))" } ?? "")",
            metadata: ["pattern": "\(job.pattern)"])
        let globs =
            days.map { $0.map { day in job.pattern.glob(filters.merging([CounterKeyPattern.dateField: day]) { $1 }) } }
            ?? [job.pattern.glob(filters)]
        var tally = Tally()
        if job.pattern.isDated {
            try await flushDated(globs: globs, table: table, tally: &tally)
        } else if context.isDryRun {
            for glob in globs { try await move(glob: glob, table: table, tally: &tally) }
        } else {
            // Moves of one job take turns, across processes: a second flush found the first's
            // pending keys, took them for a crashed run's and counted them again.
            tally = try await pool.withExclusiveLock(named: "counter-flush:\(context.jobName)") {
                var tally = Tally()
                try await recoverPending(table: table, tally: &tally)
                for glob in globs { try await move(glob: glob, table: table, tally: &tally) }
                return tally
            }
        }
        context.logger.info(
            "Found \(tally.processedKeys) counter key\(tally.processedKeys == 1 ? "" : "s") to process; \(tally.upserts) row\(tally.upserts == 1 ? "" : "s") written, \(tally.badKeys) skipped",
            metadata: ["processedKeys": "\(tally.processedKeys)", "badKeys": "\(tally.badKeys)"])
        var details: JSONObject = [
            "processedKeys": .number(Double(tally.processedKeys)), "upserts": .number(Double(tally.upserts)),
        ]
        if tally.badKeys > 0 {
            details["badKeys"] = .number(Double(tally.badKeys))
            details["badKeySamples"] = .string(tally.badKeySamples.joined(separator: ", "))
        }
        if context.isDryRun { details["dryRun"] = true }
        return details
    }

    // MARK: Dated keys: absolute values

    private func flushDated(globs: [String], table: CounterTable, tally: inout Tally) async throws {
        var seen = Set<String>()
        var totals: [[String]: [Int64]] = [:]
        // Each batch's upsert runs while the next batch is read from Redis.
        var writing: Task<Void, any Error>?
        defer { writing?.cancel() }
        for glob in globs {
            for try await keys in client.scan(match: glob, count: job.batchSize) {
                try context.checkCancellation()
                let fresh = keys.filter { seen.insert($0).inserted }
                let batch = try await read(fresh, originals: fresh)
                note(batch, into: &tally)
                let rows = aggregate(batch, totals: &totals)
                tally.upserts += rows.count
                guard !context.isDryRun else { continue }
                try await writing?.value
                let pool = self.pool
                writing = Task { _ = try await pool.withDatabase { try await table.upsert(rows, additive: false, on: $0) } }
            }
        }
        try await writing?.value
        if !context.isDryRun, !totals.isEmpty {
            _ = try await pool.withDatabase { try await table.upsert(totals, additive: false, on: $0) }
        }
        tally.upserts += totals.count
    }

    // MARK: Undated keys: moved through pending keys and a ledger

    /// `nightshift:pending:<job>:`; a pending key is this, the run's id, `:`, and the original key.
    private var pendingPrefix: String { "nightshift:pending:\(context.jobName):" }

    private func originalKey(ofPending pending: String) -> String {
        let rest = pending.dropFirst(pendingPrefix.count)
        return rest.firstIndex(of: ":").map { String(rest[rest.index(after: $0)...]) } ?? String(rest)
    }

    private func move(glob: String, table: CounterTable, tally: inout Tally) async throws {
        // The whole run id: pending names must differ between runs, or a crashed run's ledger
        // rows would mark the next run's fresh counts as flushed. (Its first characters are a
        // timestamp, version 7, the same for runs a minute apart: that lost counts in testing.)
        let runTag = context.runID.lowercasedText
        for try await keys in client.scan(match: glob, count: job.batchSize) {
            try context.checkCancellation()
            try job.crashPoint?(.scanned)
            let fitting = keys.filter { job.pattern.match($0) != nil }
            for key in keys where job.pattern.match(key) == nil { noteBad(key, "does not match \(job.pattern)", into: &tally) }
            if context.isDryRun {
                let batch = try await read(fitting, originals: fitting)
                note(batch, into: &tally)
                var totals: [[String]: [Int64]] = [:]
                tally.upserts += aggregate(batch, totals: &totals).count + totals.count
                continue
            }
            let pending = fitting.map { "\(pendingPrefix)\(runTag):\($0)" }
            let replies = try await client.pipeline(zip(fitting, pending).map { ["RENAME", $0, $1] })
            // A key gone between SCAN and RENAME ("no such key") was flushed by another run.
            let moved = zip(pending, replies).filter { $1 == .simpleString("OK") }.map(\.0)
            try job.crashPoint?(.moved)
            try await applyPending(moved, table: table, tally: &tally)
        }
    }

    /// Finishes the batches a crashed run left behind.
    private func recoverPending(table: CounterTable, tally: inout Tally) async throws {
        for try await keys in client.scan(match: "\(pendingPrefix)*", count: job.batchSize) {
            try await applyPending(keys, table: table, tally: &tally)
        }
    }

    /// Adds the counts of `pending` keys not yet in the ledger, in one transaction with their
    /// ledger rows; then deletes the keys, then their ledger rows.
    private func applyPending(_ pending: [String], table: CounterTable, tally: inout Tally) async throws {
        guard !pending.isEmpty else { return }
        let batch = try await read(pending, originals: pending.map(originalKey(ofPending:)))
        note(batch, into: &tally)
        if !batch.badKeys.isEmpty {
            // Put bad keys back under their own names, where people look for them.
            _ = try await client.pipeline(batch.badKeys.map { ["RENAMENX", $0.key, originalKey(ofPending: $0.key)] })
        }
        let good = batch.goodKeys
        guard !good.isEmpty else { return }
        let written = try await pool.withTransaction { db in
            try await CounterLedger.ensureTable(db)
            let fresh = try await CounterLedger.claim(good, on: db)
            var freshBatch = batch
            freshBatch.rows = batch.rows.filter { fresh.contains($0.key) }
            var totals: [[String]: [Int64]] = [:]
            var rows = aggregate(freshBatch, totals: &totals)
            rows.merge(totals) { zip($0, $1).map(+) }
            return try await table.upsert(rows, additive: true, on: db)
        }
        tally.upserts += written
        try job.crashPoint?(.committed)
        _ = try await client.send(["UNLINK"] + good)
        try job.crashPoint?(.deleted)
        try await pool.withDatabase { try await CounterLedger.release(good, on: $0) }
    }

    // MARK: Reading and shaping

    /// Reads `keys` in one pipeline (`GET`, or `HGETALL` for hashes); `originals` are the names
    /// whose layout gives the field values (the same keys, or the keys pending ones were moved from).
    private func read(_ keys: [String], originals: [String]) async throws -> Batch {
        var batch = Batch()
        guard !keys.isEmpty else { return batch }
        let command = job.hashField == nil ? "GET" : "HGETALL"
        let replies = try await client.pipeline(keys.map { [command, $0] })
        for (index, reply) in replies.enumerated() {
            let key = keys[index]
            guard let values = job.pattern.match(originals[index]) else {
                batch.badKeys.append((key, "does not match \(job.pattern)"))
                continue
            }
            switch reply {
            case .null: continue
            case .error(let message):
                batch.badKeys.append((key, message))
            case .array(let items) where job.hashField != nil:
                var rows: [(String, [String: String], Int, Int64)] = []
                var bad: String?
                for pair in stride(from: 0, to: items.count - 1, by: 2) {
                    guard let field = items[pair].string, let count = items[pair + 1].integer else {
                        bad =
                            "hash field \(items[pair].string ?? "?") holds '\(items[pair + 1].string ?? "?")', not a whole number"
                        break
                    }
                    guard let (value, name) = job.value(inHashField: field) else {
                        bad = "hash field \(field) is none of \(job.values.map(\.column).joined(separator: ", "))"
                        break
                    }
                    var fieldValues = values
                    fieldValues[job.hashField!] = name
                    rows.append((key, fieldValues, value, count))
                }
                if let bad {
                    batch.badKeys.append((key, bad))
                } else if !rows.isEmpty {
                    batch.rows += rows
                    batch.goodKeys.append(key)
                }
            default:
                guard let count = reply.integer else {
                    batch.badKeys.append((key, "holds '\(reply.string ?? "\(reply)")', not a whole number"))
                    continue
                }
                batch.rows.append((key, values, 0, count))
                batch.goodKeys.append(key)
            }
        }
        return batch
    }

    private func note(_ batch: Batch, into tally: inout Tally) {
        tally.processedKeys += batch.goodKeys.count
        // One line per key, as teams monitored their aggregation scripts; at debug, since a
        // flush may read a million keys.
        if context.logger.logLevel <= .debug {
            for row in batch.rows {
                // The key's own name, not the pending name it was moved to for the flush.
                let key = row.key.hasPrefix(pendingPrefix) ? originalKey(ofPending: row.key) : row.key
                let field = job.hashField.map { " " + job.values[row.value].hashField(of: row.fields[$0] ?? "") } ?? ""
                context.logger.debug("Counted \(key)\(field) = \(row.count)", metadata: ["key": "\(key)"])
            }
        }
        for (key, reason) in batch.badKeys { noteBad(key, reason, into: &tally) }
    }

    private func noteBad(_ key: String, _ reason: String, into tally: inout Tally) {
        tally.badKeys += 1
        if tally.badKeySamples.count < 5 {
            tally.badKeySamples.append(key)
            context.report("Skipped \(key): \(reason)")
        }
        context.logger.warning("skipping a counter key", metadata: ["key": "\(key)", "reason": "\(reason)"])
    }

    /// The batch's rows by key columns, one number per value (counts of equal keys summed; a
    /// value no counter holds is 0), and their sums per total group added to `totals`.
    private func aggregate(_ batch: Batch, totals: inout [[String]: [Int64]]) -> [[String]: [Int64]] {
        var rows: [[String]: [Int64]] = [:]
        let zeros = [Int64](repeating: 0, count: job.values.count)
        for row in batch.rows {
            rows[job.rowFields.map { row.fields[$0] ?? "" }, default: zeros][row.value] += row.count
            if let marker = job.totalMarker, let totalField = job.totalField {
                totals[job.rowFields.map { $0 == totalField ? marker : row.fields[$0] ?? "" }, default: zeros][row.value] +=
                    row.count
            }
        }
        return rows
    }

    // MARK: Filters and status

    /// Params naming fields of the pattern (`tenant=acme`) filter the keys.
    private func filters() throws -> [String: String] {
        var filters: [String: String] = [:]
        for field in job.pattern.fields where field != CounterKeyPattern.dateField {
            if let value = context.params[field] {
                guard case .string(let text) = value else { throw MaintenanceError.unsupported("param '\(field)' must be text") }
                filters[field] = text
            }
        }
        return filters
    }

    /// The days to flush: the `date` param, or the run's date window; nil for every day.
    private func days() throws -> [String]? {
        if case .string(let day) = context.params["date"] {
            guard CounterKeyPattern.isDay(day) else {
                throw MaintenanceError.unsupported("param 'date': '\(day)' is not YYYY-MM-DD")
            }
            return [day]
        }
        guard let window = context.window else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = job.timeZone
        var days: [String] = []
        var day = window.from
        while day < window.to {
            days.append(DateWindow(from: day, to: day).dayLabel(in: job.timeZone))
            guard let next = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: day)) else { break }
            day = next
        }
        guard job.pattern.isDated else {
            throw MaintenanceError.unsupported("keys '\(job.pattern)' have no {date}, so a date or date range cannot select them")
        }
        return days
    }

    /// For one day: the keys and their sum in Redis, the rows and their sum in the table (of the
    /// first value; total rows left out of both), and what remains to flush.
    private func status(filters: [String: String], day: String) async throws -> JSONObject {
        guard job.pattern.isDated else {
            throw MaintenanceError.unsupported("status needs dated keys ({date} in the pattern)")
        }
        var keyCount = 0
        var redisTotal: Int64 = 0
        var seen = Set<String>()
        for try await keys in client.scan(
            match: job.pattern.glob(filters.merging([CounterKeyPattern.dateField: day]) { $1 }), count: job.batchSize)
        {
            let fresh = keys.filter { seen.insert($0).inserted }
            let batch = try await read(fresh, originals: fresh)
            keyCount += batch.goodKeys.count
            redisTotal += batch.rows.reduce(0) { $0 + ($1.value == 0 ? $1.count : 0) }
        }
        let dateColumn = "\"\(job.column(CounterKeyPattern.dateField))\""
        var condition = pool.maintenance.dateEquals(dateColumn, day)
        for (field, value) in filters { condition += " AND \"\(unsafeRaw: job.column(field))\" = \(bind: value)" }
        if let marker = job.totalMarker, let totalField = job.totalField {
            condition += " AND \"\(unsafeRaw: job.column(totalField))\" <> \(bind: marker)"
        }
        let (rows, tableTotal) = try await pool.withDatabase { db in
            let row = try await db.raw(
                "SELECT count(*) AS n, CAST(coalesce(sum(\"\(unsafeRaw: job.values[0].column)\"), 0) AS bigint) AS total FROM \(unsafeRaw: job.table.quoted) WHERE \(condition)"
            ).first()
            return (try row?.decode(column: "n", as: Int.self) ?? 0, try row?.decode(column: "total", as: Int64.self) ?? 0)
        }
        return [
            "date": .string(day), "redisKeys": .number(Double(keyCount)), "redisTotal": .number(Double(redisTotal)),
            "tableRows": .number(Double(rows)), "tableTotal": .number(Double(tableTotal)),
            "pendingTotal": .number(Double(redisTotal - tableTotal)), "upToDate": .bool(redisTotal == tableTotal),
        ]
    }
}
