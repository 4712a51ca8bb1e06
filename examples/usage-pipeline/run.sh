#!/usr/bin/env bash
# The usage pipeline example (from a team's execution log of hand-run jobs), replayed: the
# usage flush from Redis hashes into usage_counters, the hourly analytics rollup, and the purge
# with its dry run. Exits non-zero at the first check
# that fails. Needs psql and redis-cli, a PostgreSQL database and a Redis database it may empty.
#   APP_DATABASE=postgres://user@127.0.0.1/app REDIS_URL=redis://127.0.0.1:6379/1 examples/usage-pipeline/run.sh
#   NIGHTSHIFT=/path/to/nightshift ...     # a binary of your own instead of building one
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
: "${APP_DATABASE:?set APP_DATABASE to a PostgreSQL URL}" "${REDIS_URL:?set REDIS_URL to a Redis URL}"
empty_redis_on_exit
# This hour's events must still be this hour's when the rollup runs: start clear of the hour's end.
left=$((3600 - $(date -u +%s) % 3600))
if [ "$left" -lt 90 ]; then echo "waiting ${left}s for the next hour"; sleep "$((left + 1))"; fi
# The rollup leaves the day under way alone; its three sample hours must fall on today, so in the
# first hours of a UTC day the rollup's days are those of a zone 12 hours ahead.
if [ "$(date -u +%-H)" -lt 4 ]; then export ROLLUP_TIMEZONE=Etc/GMT-12; fi

psql "$APP_DATABASE" -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE usage_counters (
  tenant_id text NOT NULL, endpoint text NOT NULL, period_start date NOT NULL,
  call_count bigint NOT NULL DEFAULT 0, total_weight bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, endpoint, period_start));
CREATE TABLE api_events (
  id bigserial PRIMARY KEY, tenant_id text NOT NULL, status int NOT NULL, created_at timestamptz NOT NULL);
-- 31 events: tenant_FLUSH_DEMO's three in the three hours before this one (a success, a success,
-- a 503), and 28 of other tenants in this hour, which has not ended and is not rolled up yet.
INSERT INTO api_events (tenant_id, status, created_at) VALUES
  ('tenant_FLUSH_DEMO', 200, date_trunc('hour', now()) - interval '3 hours' + interval '5 minutes'),
  ('tenant_FLUSH_DEMO', 201, date_trunc('hour', now()) - interval '2 hours' + interval '10 minutes'),
  ('tenant_FLUSH_DEMO', 503, date_trunc('hour', now()) - interval '1 hour' + interval '20 minutes');
INSERT INTO api_events (tenant_id, status, created_at)
  SELECT 'tenant_' || (i % 4), CASE WHEN i % 7 = 0 THEN 404 ELSE 200 END, date_trunc('hour', now()) + i * interval '1 second'
  FROM generate_series(1, 28) AS i;
SQL
redis-cli -u "$REDIS_URL" FLUSHDB >/dev/null
redis-cli -u "$REDIS_URL" HSET usage:tenant_E_111:2025-09-01 /verify 10 >/dev/null
redis-cli -u "$REDIS_URL" HSET usage:tenant_FLUSH_DEMO:2025-09-01 GET_/usage 12 POST_/verify 3 >/dev/null

echo "## Flush Usage (Redis → Postgres)"
out=$($nightshift run flush-usage --config "$config" 2>&1); echo "$out"
expect "$out" "\[flush-usage\] Completed. processedKeys=2, upserts=5"
rows=$(sql "SELECT tenant_id, endpoint, period_start, call_count, total_weight FROM usage_counters ORDER BY tenant_id, endpoint")
echo "$rows"
[ "$rows" = "tenant_E_111 | /verify | 2025-09-01 | 10 | 0
tenant_E_111 | __total__ | 2025-09-01 | 10 | 0
tenant_FLUSH_DEMO | GET_/usage | 2025-09-01 | 12 | 0
tenant_FLUSH_DEMO | POST_/verify | 2025-09-01 | 3 | 0
tenant_FLUSH_DEMO | __total__ | 2025-09-01 | 15 | 0" ] || fail "usage_counters rows differ"
out=$($nightshift run flush-usage --config "$config" 2>&1)
expect "$out" "processedKeys=2, upserts=5"
[ "$(sql "SELECT sum(call_count) FROM usage_counters")" = "50" ] || fail "a re-run changed the sums"

echo; echo "## Analytics Rollup"
out=$($nightshift run rollup-analytics --config "$config" 2>&1); echo "$out"
expect "$out" "\[rollup-analytics\] Completed. hourlyBuckets="
rows=$(sql "SELECT total_count, success_count, error_4xx_count, error_5xx_count FROM api_events_rollup_hourly
            WHERE tenant_id = 'tenant_FLUSH_DEMO' ORDER BY bucket_start DESC LIMIT 3")
echo "$rows"
[ "$rows" = "1 | 0 | 0 | 1
1 | 1 | 0 | 0
1 | 1 | 0 | 0" ] || fail "hourly rollup rows differ"
before=$(sql "SELECT string_agg(t::text, ';' ORDER BY t::text) FROM api_events_rollup_hourly t")
out=$($nightshift run rollup-analytics --config "$config" 2>&1); echo "$out"
expect "$out" "\[rollup-analytics\] Completed. hourlyBuckets=0, dailyBuckets=0"
[ "$before" = "$(sql "SELECT string_agg(t::text, ';' ORDER BY t::text) FROM api_events_rollup_hourly t")" ] || fail "a re-run changed the rollup"

echo; echo "## Purge (Dry-Run)"
out=$($nightshift run purge --dry-run --config "$config" 2>&1); echo "$out"
expect "$out" "Dry run enabled. Database changes will be skipped."
expect "$out" "DRY RUN: 0 api_events rows older than 90 days would be removed."
expect "$out" "DRY RUN: 0 hourly and 0 daily rollup rows older than 12 months would be removed."

echo; echo "## Purge (Execution)"
out=$($nightshift run purge --config "$config" 2>&1); echo "$out"
expect "$out" "Removed 0 api_events rows older than 90 days."
expect "$out" "Removed 0 hourly and 0 daily rollup rows older than 12 months."
counts=$(sql "SELECT (SELECT count(*) FROM api_events), (SELECT count(*) FROM api_events_rollup_hourly), (SELECT count(*) FROM api_events_rollup_daily)")
echo "api_events | hourly_rollups | daily_rollups"; echo "$counts"
[ "$counts" = "31 | 3 | 0" ] || fail "expected the counts 31 | 3 | 0 after the purge"
echo; echo "ALL CHECKS PASSED"
