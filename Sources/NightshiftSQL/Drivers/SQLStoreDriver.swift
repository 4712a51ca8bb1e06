import Foundation
import Nightshift
import NightshiftDatabase
import SQLKit

/// What the job store does differently on each database, one driver per database: the claim,
/// the completion, the batch insert, announcements, and what migrating needs. Everything else
/// in ``SQLJobStore`` is the same SQL on both.
///
/// A claim or completion change is one edit in one driver: ``PostgresStoreDriver`` (with its
/// statements in ``PostgresQueueStatements``) or ``SQLiteStoreDriver``.
protocol SQLStoreDriver: Sendable {
    /// Runs per INSERT of an enqueue: several statements for more must share a transaction.
    var enqueueChunk: Int { get }
    /// Inserts `runs` (at most ``enqueueChunk``) on `database` at time `at` (nil: the database's
    /// clock); returns those inserted, with the times the database chose (a run whose unique key
    /// was taken is not among them).
    func insert(_ runs: [NewRun], at: Date?, on database: any SQLDatabase) async throws -> [Run]
    /// Tells other connections that runnable runs appeared; delivered at commit.
    func announceNewRuns(on database: any SQLDatabase) async throws
    /// Claims up to `limit` runnable runs for `worker`, in claim order (see ``JobStore``).
    func claim(limit: Int, jobs: [String], queues: QueueFilter, worker: String, store: SQLJobStore) async throws -> [Run]
    /// Applies attempt endings in one transaction (see ``JobStore``).
    func complete(_ completions: [RunCompletion], store: SQLJobStore) async throws -> Set<UUID>
    /// A condition on `id`, true for ids not in `ids`, with one bind whatever their number.
    func idNotIn(_ ids: [String]) -> SQLQueryString
    /// `column` (a timestamp) as Unix seconds.
    func epochSeconds(_ column: String) -> SQLQueryString
    /// The newest `limit` runs of each of `jobs` as `job, id, status, created_at`: one range of
    /// the (job, created_at, id, status) index per job, read from the index alone.
    func newestRuns(of jobs: [String], limit: Int) -> SQLQueryString
    /// Unix seconds `value` rounded down to a multiple of `bucket`.
    func bucketStart(_ value: SQLQueryString, bucket: Int) -> SQLQueryString
    /// Whether the table of applied migrations exists.
    func hasMigrationsTable(on database: any SQLDatabase) async throws -> Bool
    /// Makes instances migrating at once wait for each other, inside the migration's transaction.
    func lockForMigration(on database: any SQLDatabase) async throws
    /// Re-creates, idempotently, what the driver keeps in the database besides tables (the
    /// PostgreSQL claim function), after the versioned migrations: changing it is an edit of
    /// the driver, never a new migration.
    func refreshDefinitions(on database: any SQLDatabase) async throws
}

/// The driver of each database.
enum SQLStoreDrivers {
    /// The driver for databases with `dialect`.
    static func driver(for dialect: SQLDialectFragments) -> any SQLStoreDriver {
        switch dialect.flavor {
        case .postgres: PostgresStoreDriver()
        case .sqlite: SQLiteStoreDriver()
        }
    }

    /// The driver for the database behind `database` (a caller's transaction).
    static func driver(for database: any SQLDatabase) -> any SQLStoreDriver {
        driver(for: SQLDialectFragments(for: database))
    }
}
