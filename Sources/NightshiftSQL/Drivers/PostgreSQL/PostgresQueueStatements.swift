import Foundation
import Nightshift

/// The two statements the queue's throughput rests on, on PostgreSQL: the claim and the
/// completion. Their values are placeholders, so the engine binds `$1`, `$2`, … with static
/// types (PostgresNIO's own binds; SQLKit's encoded arrays element by element through
/// existentials, 5% of the engine's CPU under perf) and `nightshift-bench queue` passes
/// pgbench variables, and the ceiling it measures runs exactly the engine's SQL.
package enum PostgresQueueStatements {
    /// Claims up to `limit` runnable runs of `jobs`, in the order of the runnable index, for
    /// `worker`: the queues in `queues` only, or all but those when `queuesExcluded` is true.
    /// Returns ``Run/claimedColumns`` of each claimed run. `at` is the time to claim at, NULL
    /// for the database's clock (tests pass theirs).
    private static func claim(
        worker: String, jobs: String, queues: String, queuesExcluded: String, limit: String, at: String
    ) -> String {
        let columns = Run.claimedColumns.map { "r.\($0)" }.joined(separator: ", ")
        // `nightshift_runnable` (``runnableFunction``) walks the runnable index in order and locks with
        // SKIP LOCKED, so concurrent claimers take disjoint batches instead of waiting.
        return """
            UPDATE nightshift_runs AS r
            SET status = 'running', started_at = \(now(at)), heartbeat_at = \(now(at)), worker = \(worker), progress = 0,
                ended_at = NULL, details = '{}', error = NULL
            FROM nightshift_runnable(
                CAST(\(jobs) AS text[]), CAST(\(queues) AS text[]), \(queuesExcluded), CAST(\(limit) AS integer),
                CAST(\(at) AS timestamptz)) AS next(id)
            WHERE r.id = next.id
            RETURNING \(columns)
            """
    }

    /// Applies the ends of attempts given as one array per field (`statuses`: the run's new
    /// status, `queued` for a retry `delays` seconds from now; `errors` counts only where
    /// `hasErrors` is true, since the driver binds no NULL array elements; an empty `outputs`
    /// element means no output): the runs' updates,
    /// their attempt rows and the jobs' counters in one statement, so a batch costs one round trip and one
    /// commit whatever its size. Each run is guarded by `(id, attempt)` and
    /// `status = 'running'` (River #1302: a rescued run is never finished twice). Returns one
    /// row: `refused`, the ids it did not apply to (usually none, so the answer stays small).
    private static func complete(
        ids: String, attempts: String, statuses: String, delays: String, details: String, errors: String, hasErrors: String,
        outputs: String, at: String
    ) -> String {
        // `before` is the run as the statement's snapshot saw it: RETURNING only shows new
        // values, and a retry clears the worker that the attempt row keeps.
        """
            WITH endings AS (
                SELECT id, attempt, status, delay, details, CASE WHEN has_error THEN error END AS error,
                       NULLIF(output, '') AS output, position
                FROM unnest(CAST(\(ids) AS text[]),
                            CAST(\(attempts) AS integer[]), CAST(\(statuses) AS text[]),
                            CAST(\(delays) AS float8[]), CAST(\(details) AS text[]),
                            CAST(\(errors) AS text[]), CAST(\(hasErrors) AS boolean[]), CAST(\(outputs) AS text[]))
                    WITH ORDINALITY AS c(id, attempt, status, delay, details, error, has_error, output, position)
            ),
            done AS (
                UPDATE nightshift_runs r SET
                    status = c.status,
                    attempt = CASE WHEN c.status = 'queued' THEN r.attempt + 1 ELSE r.attempt END,
                    run_after = CASE WHEN c.status = 'queued' THEN \(now(at)) + c.delay * interval '1 second' ELSE r.run_after END,
                    worker = CASE WHEN c.status = 'queued' THEN NULL ELSE r.worker END,
                    cancel_requested = CASE WHEN c.status = 'queued' THEN FALSE ELSE r.cancel_requested END,
                    ended_at = CASE WHEN c.status = 'queued' THEN r.ended_at ELSE \(now(at)) END,
                    heartbeat_at = CASE WHEN c.status = 'queued' THEN r.heartbeat_at ELSE \(now(at)) END,
                    progress = CASE WHEN c.status = 'succeeded' THEN 100 ELSE r.progress END,
                    details = c.details, error = c.error
                FROM endings c
                JOIN nightshift_runs before ON before.id = c.id
                WHERE r.id = c.id AND r.status = 'running' AND r.attempt = c.attempt
                RETURNING r.id, r.job, c.attempt, c.status, c.error, c.output, c.position, before.worker, before.started_at
            ),
            recorded AS (
                INSERT INTO nightshift_attempts (run_id, attempt, outcome, worker, started_at, ended_at, error, output)
                SELECT id, attempt, CASE WHEN status = 'queued' THEN 'retrying' ELSE status END, worker, started_at, \(now(at)), error,
                       output
                FROM done
                ON CONFLICT (run_id, attempt) DO NOTHING
            ),
            tally AS (
                SELECT job, count(*) FILTER (WHERE status = 'succeeded') AS successes,
                       count(*) FILTER (WHERE status IN ('failed', 'discarded')) AS failures,
                       (array_agg(coalesce(error, status) ORDER BY position DESC)
                           FILTER (WHERE status IN ('failed', 'discarded')))[1] AS last_error
                FROM done GROUP BY job
            ),
            counted AS (
                -- Successes reset the count of consecutive failures; failures after them in the
                -- batch count again. The last error is the last failure's in the batch (its
                -- status when it has no text), as the other stores write it.
                UPDATE nightshift_jobs j SET
                    consecutive_errors = CASE WHEN t.successes > 0 THEN t.failures ELSE j.consecutive_errors + t.failures END,
                    last_success_at = CASE WHEN t.successes > 0 THEN \(now(at)) ELSE j.last_success_at END,
                    last_failure_at = CASE WHEN t.failures > 0 THEN \(now(at)) ELSE j.last_failure_at END,
                    last_error = CASE WHEN t.failures > 0 THEN t.last_error ELSE j.last_error END
                FROM tally t WHERE j.name = t.job AND (t.successes > 0 OR t.failures > 0)
            )
            SELECT coalesce(array_agg(id), '{}') AS refused FROM endings WHERE id NOT IN (SELECT id FROM done)
        """
    }

    /// The runnable runs a claim takes, walked in the order of the partial runnable index, as a
    /// function re-created at every migrate (`CREATE OR REPLACE`), so that changing the claim is
    /// an edit here, not a migration.
    ///
    /// Right after a burst of enqueues the table's statistics still say "almost nothing
    /// queued", and the planner then sorted the whole queue on every claim (25-50 ms per claim
    /// at 20,000 queued, measured). Planner settings pinned on the function keep the ordered
    /// index walk, which stops after `max_runs` rows whatever the statistics say; JIT is off
    /// because the disabled paths' cost penalty would otherwise trigger it. The search_path is
    /// pinned to the one the store is migrated with: the function resolves its table names
    /// through it, and a session whose path put another schema's nightshift_runs first would
    /// claim from it.
    static let runnableFunction = """
        CREATE OR REPLACE FUNCTION nightshift_runnable(
            jobs text[], queues text[], queues_excluded boolean, max_runs integer, at timestamptz)
        RETURNS SETOF text LANGUAGE sql ROWS 100
        SET enable_sort = off SET enable_bitmapscan = off SET enable_seqscan = off SET jit = off
        SET search_path FROM CURRENT
        AS $$
            SELECT r.id FROM nightshift_runs r
            WHERE r.status = 'queued' AND r.run_after <= coalesce(at, now()) AND r.job = ANY(jobs)
              AND (r.queue = ANY(queues)) <> queues_excluded
              AND r.job NOT IN (SELECT name FROM nightshift_jobs WHERE paused)
              AND r.queue NOT IN (SELECT name FROM nightshift_queues WHERE paused)
            ORDER BY r.priority, r.run_after, r.id
            LIMIT max_runs
            FOR UPDATE SKIP LOCKED
        $$
        """

    /// The claim as the engine runs it: worker, jobs, queues, whether they are excluded, the
    /// limit and the time bound as `$1` to `$6`.
    static let boundClaim = claim(worker: "$1", jobs: "$2", queues: "$3", queuesExcluded: "$4", limit: "$5", at: "$6")

    /// The completion as the engine runs it: the eight arrays and the time bound as `$1` to `$9`.
    static let boundCompletion = complete(
        ids: "$1", attempts: "$2", statuses: "$3", delays: "$4", details: "$5", errors: "$6", hasErrors: "$7", outputs: "$8",
        at: "$9")

    /// The time `at` (a placeholder), or the database's clock where it is NULL.
    private static func now(_ at: String) -> String { "coalesce(CAST(\(at) AS timestamptz), now())" }

    /// A pgbench script of the engine's claim of `batch` runs followed by the completion of
    /// what it claimed as successes. It reads the pgbench variables `worker`, `jobs` (an array
    /// literal) and `batch`.
    package static var pgbenchScript: String {
        let claimed = claim(worker: ":worker", jobs: ":jobs", queues: "'{}'", queuesExcluded: "TRUE", limit: ":batch", at: "NULL")
        let arrays = """
            WITH claimed AS (\(claimed))
            SELECT coalesce(array_agg(id), '{}') AS ids, coalesce(array_agg(attempt), '{}') AS attempts,
                   coalesce(array_agg(CAST('succeeded' AS text)), '{}') AS statuses,
                   coalesce(array_agg(CAST(0 AS float8)), '{}') AS delays, coalesce(array_agg(CAST('{}' AS text)), '{}') AS details,
                   coalesce(array_agg(CAST('' AS text)), '{}') AS errors, coalesce(array_agg(FALSE), '{}') AS has_errors,
                   coalesce(array_agg(CAST('' AS text)), '{}') AS outputs
            FROM claimed
            """
        let completed = complete(
            ids: ":ids", attempts: ":attempts", statuses: ":statuses", delays: ":delays", details: ":details", errors: ":errors",
            hasErrors: ":has_errors", outputs: ":outputs", at: "NULL")
        return arrays + "\n\\gset\n" + completed + ";\n"
    }
}
