import Foundation
import Nightshift
import NightshiftDatabase
import SQLKit

extension SQLJobStore {
    public func summarizeFinishedRuns(before: Date, span: Duration) async throws -> Date {
        try await pool.withTransaction { database in
            // The mark as stored: Unix seconds turned into a Date and back may differ in the last digit.
            let stored = try await statisticsMark(on: database)
            let found = stored.map { Date(timeIntervalSince1970: $0) }
            let from = found ?? before.addingTimeInterval(-RunStatistics.backfill.inSeconds)
            // A span starts at the first run that ended since the mark (one index probe): a quiet
            // week, or a new store, is one pass, not one per hour.
            let first = try await database.raw(
                """
                SELECT min(ended_at) AS first FROM nightshift_runs
                WHERE status NOT IN ('queued', 'running') AND ended_at >= \(bind: from) AND ended_at < \(bind: before)
                """
            ).first()?.decode(column: "first", as: Date?.self)
            let to = max(from, min(before, (first ?? before).addingTimeInterval(span.inSeconds)))
            // The mark moves first, and only from where it was found: a second leader's update
            // waits for this transaction's row lock, then finds the mark moved and adds nothing.
            let moved: [any SQLRow]
            if let stored {
                moved = try await database.raw(
                    """
                    UPDATE nightshift_statistics_mark SET mark = \(bind: to.timeIntervalSince1970)
                    WHERE id = 1 AND mark = \(bind: stored) RETURNING mark
                    """
                ).all()
            } else {
                moved = try await database.raw(
                    """
                    INSERT INTO nightshift_statistics_mark (id, mark) VALUES (1, \(bind: to.timeIntervalSince1970))
                    ON CONFLICT (id) DO NOTHING RETURNING mark
                    """
                ).all()
            }
            guard !moved.isEmpty else { return from }
            let added = try await finishedRuns(from: from, to: to, bucketSeconds: RunStatistics.minute, on: database)
            var changed: [(size: Int, bucket: FinishedRunBucket)] = []
            for size in [RunStatistics.minute, RunStatistics.hour] {
                let additions = FinishedRunBucket.regrouped(added, bucketSeconds: size)
                guard let first = additions.map(\.start).min() else { continue }
                var kept: [String: FinishedRunBucket] = [:]
                for bucket in try await statistics(size: size, from: first, to: nil, on: database) {
                    kept["\(bucket.start.timeIntervalSince1970) \(bucket.status.rawValue)"] = bucket
                }
                for addition in additions {
                    // A bucket already kept gets the addition added, even one equal to it.
                    var bucket =
                        kept["\(addition.start.timeIntervalSince1970) \(addition.status.rawValue)"]
                        ?? FinishedRunBucket(start: addition.start, status: addition.status)
                    bucket.merge(addition)
                    changed.append((size, bucket))
                }
            }
            for start in stride(from: 0, to: changed.count, by: 500) {
                let rows = changed[start..<min(start + 500, changed.count)].map { size, bucket -> SQLQueryString in
                    """
                    (\(bind: size), \(bind: bucket.start.timeIntervalSince1970), \(bind: bucket.status.rawValue), \(bind: bucket.count), \
                    \(bind: bucket.runSeconds), \(bind: bucket.waitSeconds), \(bind: bucket.runHistogram.text), \(bind: bucket.waitHistogram.text))
                    """
                }
                try await database.raw(
                    """
                    INSERT INTO nightshift_run_statistics (size, bucket_start, status, runs, run_seconds, wait_seconds,
                        run_histogram, wait_histogram) VALUES \(rows.joined(separator: ", "))
                    ON CONFLICT (size, bucket_start, status) DO UPDATE SET runs = excluded.runs, run_seconds = excluded.run_seconds,
                        wait_seconds = excluded.wait_seconds, run_histogram = excluded.run_histogram,
                        wait_histogram = excluded.wait_histogram
                    """
                ).run()
            }
            try await keepFailures(from: from, to: to, on: database)
            try await keepQueueThroughput(from: from, to: to, on: database)
            try await database.raw(
                """
                DELETE FROM nightshift_run_statistics
                WHERE (size = \(bind: RunStatistics.minute) AND bucket_start < \(bind: to.timeIntervalSince1970 - RunStatistics.minutesKept.inSeconds))
                   OR (size = \(bind: RunStatistics.hour) AND bucket_start < \(bind: to.timeIntervalSince1970 - RunStatistics.hoursKept.inSeconds))
                """
            ).run()
            return to
        }
    }

    /// Adds the runs that ended in `[from, to)` to their queue's minutes (added in the database:
    /// the mark makes sure no range is added twice), and drops minutes past their age.
    private func keepQueueThroughput(from: Date, to: Date, on database: any SQLDatabase) async throws {
        let ended = driver.epochSeconds("ended_at")
        try await database.raw(
            """
            INSERT INTO nightshift_queue_statistics (bucket_start, queue, runs)
            SELECT \(driver.bucketStart(ended, bucket: RunStatistics.minute)), queue, count(*) FROM nightshift_runs
            WHERE status NOT IN ('queued', 'running') AND ended_at >= \(bind: from) AND ended_at < \(bind: to)
            GROUP BY 1, 2
            ON CONFLICT (bucket_start, queue) DO UPDATE SET runs = nightshift_queue_statistics.runs + excluded.runs
            """
        ).run()
        try await database.raw(
            """
            DELETE FROM nightshift_queue_statistics
            WHERE bucket_start < \(bind: to.timeIntervalSince1970 - RunStatistics.minutesKept.inSeconds)
            """
        ).run()
    }

    public func queueThroughput(since: Date) async throws -> [String: Int] {
        let now = try await databaseNow()
        return try await pool.withDatabase { database in
            let mark = try await statisticsMark(on: database).map { Date(timeIntervalSince1970: $0) }
            var counts: [String: Int] = [:]
            var rows: [any SQLRow] = []
            if let mark {
                let minute = Double(RunStatistics.minute)
                rows += try await database.raw(
                    """
                    SELECT queue, CAST(sum(runs) AS BIGINT) AS n FROM nightshift_queue_statistics
                    WHERE bucket_start >= \(bind: (since.timeIntervalSince1970 / minute).rounded(.down) * minute)
                    AND bucket_start < \(bind: mark.timeIntervalSince1970) GROUP BY queue
                    """
                ).all()
            }
            if let start = RunStatistics.unkeptStart(mark: mark, since: since, now: now) {
                rows += try await database.raw(
                    """
                    SELECT queue, count(*) AS n FROM nightshift_runs
                    WHERE status NOT IN ('queued', 'running') AND ended_at >= \(bind: start) GROUP BY queue
                    """
                ).all()
            }
            for row in rows {
                counts[try row.decode(column: "queue", as: String.self), default: 0] += try row.decode(column: "n", as: Int.self)
            }
            return counts
        }
    }

    /// Adds the failures that ended in `[from, to)` to the hourly failure statistics, and drops
    /// the hours past their age.
    private func keepFailures(from: Date, to: Date, on database: any SQLDatabase) async throws {
        let additions = try await failures(from: from, to: to, on: database)
        if let first = additions.map(\.start).min() {
            var kept: [String: (start: Date, group: FailureGroup)] = [:]
            for row in try await database.raw(
                """
                SELECT bucket_start, job, fingerprint, runs, newest_at FROM nightshift_failure_statistics
                WHERE bucket_start >= \(bind: first.timeIntervalSince1970)
                """
            ).all() {
                let start = Date(timeIntervalSince1970: try row.decode(column: "bucket_start", as: Double.self))
                let group = FailureGroup(
                    job: try row.decode(column: "job", as: String.self),
                    error: try row.decode(column: "fingerprint", as: String.self),
                    count: try row.decode(column: "runs", as: Int.self),
                    newestAt: Date(timeIntervalSince1970: try row.decode(column: "newest_at", as: Double.self)))
                kept["\(start.timeIntervalSince1970)\u{0}\(group.job)\u{0}\(group.error)"] = (start, group)
            }
            let changed = additions.map { addition in
                let key = "\(addition.start.timeIntervalSince1970)\u{0}\(addition.group.job)\u{0}\(addition.group.error)"
                guard let existing = kept[key] else { return addition }
                return (addition.start, FailureGroup.merged([existing.group, addition.group], limit: 1)[0])
            }
            for start in stride(from: 0, to: changed.count, by: 500) {
                let rows = changed[start..<min(start + 500, changed.count)].map { bucket, group -> SQLQueryString in
                    """
                    (\(bind: bucket.timeIntervalSince1970), \(bind: group.job), \(bind: group.error), \(bind: group.count), \
                    \(bind: group.newestAt.timeIntervalSince1970))
                    """
                }
                try await database.raw(
                    """
                    INSERT INTO nightshift_failure_statistics (bucket_start, job, fingerprint, runs, newest_at)
                    VALUES \(rows.joined(separator: ", "))
                    ON CONFLICT (bucket_start, job, fingerprint) DO UPDATE SET runs = excluded.runs, newest_at = excluded.newest_at
                    """
                ).run()
            }
        }
        try await database.raw(
            """
            DELETE FROM nightshift_failure_statistics
            WHERE bucket_start < \(bind: to.timeIntervalSince1970 - RunStatistics.hoursKept.inSeconds)
            """
        ).run()
    }

    /// The failed and discarded runs that ended in `[from, to)`, per hour, job and fingerprint
    /// (the errors grouped in the database first, then fingerprinted here).
    private func failures(from: Date, to: Date?, on database: any SQLDatabase) async throws
        -> [(start: Date, group: FailureGroup)]
    {
        let ended = driver.epochSeconds("ended_at")
        let upper: SQLQueryString = to.map { " AND ended_at < \(bind: $0)" } ?? ""
        let rows = try await database.raw(
            """
            SELECT job, COALESCE(error, '') AS error, \(driver.bucketStart(ended, bucket: RunStatistics.hour)) AS bucket,
                count(*) AS n, max(\(ended)) AS newest
            FROM nightshift_runs WHERE status IN ('failed', 'discarded') AND ended_at >= \(bind: from)
            """ + upper + " GROUP BY 1, 2, 3"
        ).all()
        var groups: [String: (start: Date, group: FailureGroup)] = [:]
        for row in rows {
            let start = Date(timeIntervalSince1970: try row.decode(column: "bucket", as: Double.self))
            let fingerprint = FailureFingerprint.of(try row.decode(column: "error", as: String.self))
            let group = FailureGroup(
                job: try row.decode(column: "job", as: String.self), error: fingerprint,
                count: try row.decode(column: "n", as: Int.self),
                newestAt: Date(timeIntervalSince1970: try row.decode(column: "newest", as: Double.self)))
            let key = "\(start.timeIntervalSince1970)\u{0}\(group.job)\u{0}\(fingerprint)"
            groups[key] = (start, groups[key].map { FailureGroup.merged([$0.group, group], limit: 1)[0] } ?? group)
        }
        return Array(groups.values)
    }

    public func failureGroups(since: Date, limit: Int) async throws -> [FailureGroup] {
        // Before taking a connection: a pool of one (SQLite) has no second to give.
        let now = try await databaseNow()
        return try await pool.withDatabase { database in
            let mark = try await statisticsMark(on: database).map { Date(timeIntervalSince1970: $0) }
            var groups: [FailureGroup] = []
            if let mark {
                let hour = Double(RunStatistics.hour)
                let first = (since.timeIntervalSince1970 / hour).rounded(.down) * hour
                groups = try await database.raw(
                    """
                    SELECT job, fingerprint, CAST(sum(runs) AS BIGINT) AS n, max(newest_at) AS newest
                    FROM nightshift_failure_statistics
                    WHERE bucket_start >= \(bind: first) AND bucket_start < \(bind: mark.timeIntervalSince1970)
                    GROUP BY job, fingerprint
                    """
                ).all().map { row in
                    FailureGroup(
                        job: try row.decode(column: "job", as: String.self),
                        error: try row.decode(column: "fingerprint", as: String.self),
                        count: try row.decode(column: "n", as: Int.self),
                        newestAt: Date(timeIntervalSince1970: try row.decode(column: "newest", as: Double.self)))
                }
            }
            var recent: [(start: Date, group: FailureGroup)] = []
            if let start = RunStatistics.unkeptStart(mark: mark, since: since, now: now) {
                recent = try await failures(from: start, to: nil, on: database)
            }
            return FailureGroup.merged(groups + recent.map(\.group), limit: limit)
        }
    }

    public func runStatistics(since: Date, bucketSeconds: Int) async throws -> [FinishedRunBucket] {
        let size = RunStatistics.keptSize(for: bucketSeconds)
        let now = try await databaseNow()
        return try await pool.withDatabase { database in
            let mark = try await statisticsMark(on: database).map { Date(timeIntervalSince1970: $0) }
            let first = Date(
                timeIntervalSince1970: (since.timeIntervalSince1970 / Double(size)).rounded(.down) * Double(size))
            let kept = mark == nil ? [] : try await statistics(size: size, from: first, to: mark, on: database)
            var recent: [FinishedRunBucket] = []
            if let start = RunStatistics.unkeptStart(mark: mark, since: since, now: now) {
                recent = try await finishedRuns(from: start, to: nil, bucketSeconds: size, on: database)
            }
            return FinishedRunBucket.regrouped(kept + recent, bucketSeconds: bucketSeconds)
        }
    }

    /// The statistics' mark, in Unix seconds.
    private func statisticsMark(on database: any SQLDatabase) async throws -> Double? {
        try await database.raw("SELECT mark FROM nightshift_statistics_mark WHERE id = 1").first()?
            .decode(column: "mark", as: Double.self)
    }

    /// The kept rows of `size` whose buckets start in `[from, to)`; a damaged histogram reads as empty.
    private func statistics(size: Int, from: Date, to: Date?, on database: any SQLDatabase) async throws
        -> [FinishedRunBucket]
    {
        let upper: SQLQueryString = to.map { " AND bucket_start < \(bind: $0.timeIntervalSince1970)" } ?? ""
        return try await database.raw(
            """
            SELECT bucket_start, status, runs, run_seconds, wait_seconds, run_histogram, wait_histogram
            FROM nightshift_run_statistics WHERE size = \(bind: size) AND bucket_start >= \(bind: from.timeIntervalSince1970)
            """ + upper
        ).all().compactMap { row -> FinishedRunBucket? in
            guard let status = RunStatus(rawValue: try row.decode(column: "status", as: String.self)) else { return nil }
            return FinishedRunBucket(
                start: Date(timeIntervalSince1970: try row.decode(column: "bucket_start", as: Double.self)), status: status,
                count: try row.decode(column: "runs", as: Int.self),
                runSeconds: try row.decode(column: "run_seconds", as: Double.self),
                waitSeconds: try row.decode(column: "wait_seconds", as: Double.self),
                runHistogram: DurationHistogram(text: try row.decode(column: "run_histogram", as: String.self))
                    ?? DurationHistogram(),
                waitHistogram: DurationHistogram(text: try row.decode(column: "wait_histogram", as: String.self))
                    ?? DurationHistogram())
        }
    }

    /// The runs that ended in `[from, to)` counted per `bucketSeconds` and outcome, with their
    /// durations bucketed in the database: one grouping over the index range of finished runs.
    private func finishedRuns(from: Date, to: Date?, bucketSeconds: Int, on database: any SQLDatabase) async throws
        -> [FinishedRunBucket]
    {
        let bucket = max(1, bucketSeconds)
        let ended = driver.epochSeconds("ended_at")
        let started = driver.epochSeconds("COALESCE(started_at, ended_at)")
        let due = driver.epochSeconds("run_after")
        let upper: SQLQueryString = to.map { " AND ended_at < \(bind: $0)" } ?? ""
        let rows = try await database.raw(
            """
            SELECT \(driver.bucketStart(ended, bucket: bucket)) AS bucket, status,
                \(Self.histogramBucket("\(ended) - \(started)")) AS run_bucket,
                \(Self.histogramBucket("\(started) - \(due)")) AS wait_bucket, count(*) AS n,
                sum(\(ended) - \(started)) AS run_seconds, sum(\(started) - \(due)) AS wait_seconds
            FROM nightshift_runs WHERE status NOT IN ('queued', 'running') AND ended_at >= \(bind: from)
            """ + upper + " GROUP BY 1, 2, 3, 4"
        ).all()
        let parts = try rows.compactMap { row -> FinishedRunBucket? in
            guard let status = RunStatus(rawValue: try row.decode(column: "status", as: String.self)) else { return nil }
            let count = try row.decode(column: "n", as: Int.self)
            var runHistogram = DurationHistogram()
            runHistogram.add(bucket: try row.decode(column: "run_bucket", as: Int.self), count: count)
            var waitHistogram = DurationHistogram()
            waitHistogram.add(bucket: try row.decode(column: "wait_bucket", as: Int.self), count: count)
            return FinishedRunBucket(
                start: Date(timeIntervalSince1970: try row.decode(column: "bucket", as: Double.self)), status: status,
                count: count, runSeconds: try row.decode(column: "run_seconds", as: Double?.self) ?? 0,
                waitSeconds: try row.decode(column: "wait_seconds", as: Double?.self) ?? 0, runHistogram: runHistogram,
                waitHistogram: waitHistogram)
        }
        return FinishedRunBucket.regrouped(parts, bucketSeconds: bucket)
    }

    /// The ``DurationHistogram`` bucket of `seconds`, computed in the database.
    private static func histogramBucket(_ seconds: SQLQueryString) -> SQLQueryString {
        var cases: SQLQueryString = "CASE"
        for (index, bound) in DurationHistogram.bounds.enumerated() {
            cases += " WHEN \(seconds) <= \(unsafeRaw: String(bound)) THEN \(unsafeRaw: String(index))"
        }
        return cases + " ELSE \(unsafeRaw: String(DurationHistogram.bounds.count)) END"
    }
}
