#!/usr/bin/env bash
# The log retention example (from a team whose pg_cron-less cleanup let logs fill the disk),
# on SQLite: a dry run of the log purge, the purge itself in
# chunks with an archive, the rate-limit cleanup, and the score recalculation in batches.
# Exits non-zero at the first check that fails. Needs python3 (for SQLite's tables).
#   examples/log-retention/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
export APP_DATABASE="sqlite:$work/app.db" ARCHIVE_DIR="$work/archive"
sql() { python3 -c 'import sqlite3, sys; print("\n".join(" | ".join(str(v) for v in row) for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])))' "$work/app.db" "$1"; }

sql "CREATE TABLE system_logs (id INTEGER PRIMARY KEY, level TEXT, message TEXT, context TEXT, timestamp TEXT NOT NULL)" >/dev/null
sql "CREATE TABLE api_rate_limits (client TEXT PRIMARY KEY, window_ends_at TEXT NOT NULL)" >/dev/null
sql "CREATE TABLE reddit_users (id INTEGER PRIMARY KEY, karma_quality_score REAL, age_quality_score REAL, posting_frequency_score REAL,
     overall_user_score REAL, last_scraped_at TEXT, last_score_update TEXT)" >/dev/null
for job in seed-logs seed-rate-limits seed-users; do $nightshift run $job --config "$config" >/dev/null; done
# 51,000 log lines, one every 5 seconds back from now, with a gap of about 45 minutes on either
# side of the 2-day line: the 17,000 of i > 34,000 are older than 2 days, however long the runs take.
expected=17000

echo "## SELECT cleanup_old_logs() -- dry run"
out=$($nightshift run cleanup-old-logs --dry-run --config "$config" 2>&1); echo "$out"
expect "$out" "DRY RUN: $expected system_logs rows older than 2 days would be removed."
[ "$(sql "SELECT count(*) FROM system_logs")" = "51000" ] || fail "the dry run deleted rows"

echo; echo "## SELECT cleanup_old_logs() -- in chunks of 5,000, archived first"
out=$($nightshift run cleanup-old-logs --config "$config" 2>&1); echo "$out"
expect "$out" "Completed. system_logs_deleted=$expected"
[ "$(sql "SELECT count(*) FROM system_logs")" = "34000" ] || fail "wrong number of rows left"
[ "$(sql "SELECT count(*) FROM system_logs WHERE timestamp < datetime('now', '-2 days', '-1 minute')")" = "0" ] || fail "old rows left"
archived=$(gzip -dc "$work"/archive/cleanup-old-logs/*.ndjson.gz | wc -l)
[ "$archived" = "$expected" ] || fail "archive holds $archived rows, expected $expected"

echo; echo "## SELECT cleanup_old_rate_limits()"
out=$($nightshift run cleanup-old-rate-limits --config "$config" 2>&1); echo "$out"
expect "$out" "Completed. expiredCount=200"

echo; echo "## User Score Recalculation, batch size 10,000"
out=$($nightshift run recalculate-user-scores --config "$config" 2>&1); echo "$out"
expect "$out" "Completed. rowsAffected=5000, batches=3"
[ "$(sql "SELECT count(*) FROM reddit_users WHERE overall_user_score IS NOT NULL")" = "5000" ] || fail "scores not updated"
out=$($nightshift run recalculate-user-scores --config "$config" 2>&1)
expect "$out" "rowsAffected=0, batches=3"
echo; echo "ALL CHECKS PASSED"
