import Foundation
import Nightshift
import NightshiftDatabase
import SQLKit

extension SQLJobStore {
    public func prune(_ retention: HistoryRetention, chunkSize: Int) async throws -> Int {
        var deleted = 0
        let ownRules = Array(retention.jobRules.keys)
        // One pass per rule: each job with its own rule, then every other job with the default.
        var passes: [(condition: SQLQueryString, rule: HistoryRetention.Rule)] = retention.jobRules.map { job, rule in
            ("job = \(bind: job)", rule)
        }
        passes.append((ownRules.isEmpty ? "TRUE" : "job NOT IN (\(binds: ownRules))", retention.defaultRule))
        for pass in passes {
            for (statuses, keep) in [
                ("('succeeded', 'cancelled', 'skipped')", pass.rule.keep), ("('failed', 'discarded')", pass.rule.keepFailed),
            ] {
                let expired: SQLQueryString =
                    "status IN \(unsafeRaw: statuses) AND ended_at < \(now(plus: -keep.inSeconds)) AND \(pass.condition)"
                while true {
                    let count = try await deleteChunk(where: expired, limit: chunkSize)
                    deleted += count
                    if count < chunkSize { break }
                }
            }
        }
        return deleted
    }

    /// Deletes up to `limit` runs matching `condition`, with their attempts, in one short
    /// transaction, so that pruning a long history never holds locks for long.
    private func deleteChunk(where condition: SQLQueryString, limit: Int) async throws -> Int {
        try await pool.withTransaction { database in
            let ids = try await database.raw(
                "SELECT id FROM nightshift_runs WHERE \(condition) ORDER BY ended_at LIMIT \(bind: limit)"
            ).all().map { try $0.decode(column: "id", as: String.self) }
            guard !ids.isEmpty else { return 0 }
            try await database.raw("DELETE FROM nightshift_attempts WHERE run_id IN (\(binds: ids))").run()
            try await database.raw("DELETE FROM nightshift_runs WHERE id IN (\(binds: ids))").run()
            return ids.count
        }
    }
}
