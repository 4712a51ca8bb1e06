#!/usr/bin/env bash
# The telemetry rollup example (from a team's Vercel-cron-triggered daily aggregation): a dry
# run that previews and writes nothing, a run over a date range, and a second run over the same
# range that gives identical rows. Exits non-zero at the first check
# that fails. Needs psql, curl and a PostgreSQL database.
#   APP_DATABASE=postgres://user@127.0.0.1/app examples/telemetry-rollup/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
: "${APP_DATABASE:?set APP_DATABASE to a PostgreSQL URL}"
export CRON_SECRET="cron-$(openssl rand -hex 16)"
server=""
trap 'stop_server; rm -rf "$work"' EXIT

psql "$APP_DATABASE" -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE telemetry (id bigserial PRIMARY KEY, event text NOT NULL, user_id text, meta jsonb, created_at timestamptz NOT NULL);
INSERT INTO telemetry (event, user_id, meta, created_at) VALUES
  ('page_view', 'u1', '{"path": "/", "browser": "firefox"}', '2024-01-15 09:00Z'),
  ('page_view', 'u1', '{"path": "/pricing"}',               '2024-01-15 10:00Z'),
  ('page_view', 'u2', NULL,                                  '2024-01-15 11:00Z'),
  ('signup',    'u2', '{"plan": "pro"}',                     '2024-01-15 11:05Z'),
  ('page_view', 'u3', '{"path": "/docs"}',                   '2024-01-16 08:00Z'),
  ('page_view', NULL, '{"bot": true}',                       '2024-01-31 23:59Z');
-- The team's own daily table, used as it is: one row per day and event.
CREATE TABLE telemetry_daily (date date NOT NULL, event text NOT NULL, count bigint NOT NULL DEFAULT 0,
  unique_users bigint NOT NULL DEFAULT 0, meta jsonb, UNIQUE (event, date));
SQL

echo "## Dry run to preview"
out=$($nightshift run telemetry-daily --from 2024-01-15 --to 2024-01-15 --dry-run --config "$config" 2>&1); echo "$out"
expect "$out" "dailyBuckets=2"
[ "$(sql "SELECT count(*) FROM telemetry_daily")" = "0" ] || fail "the dry run wrote rows"

echo; echo "## Run for a date range"
out=$($nightshift run telemetry-daily --from 2024-01-01 --to 2024-01-31 --config "$config" 2>&1); echo "$out" | tail -3
expect "$out" "31 of 31 days completed."
query="SELECT date, event, count, unique_users, meta FROM telemetry_daily ORDER BY 1, 2"
rows=$(sql "$query"); echo "$rows"
[ "$rows" = '2024-01-15 | page_view | 3 | 2 | {"path": "/pricing", "browser": "firefox"}
2024-01-15 | signup | 1 | 1 | {"plan": "pro"}
2024-01-16 | page_view | 1 | 1 | {"path": "/docs"}
2024-01-31 | page_view | 1 | 0 | {"bot": true}' ] || fail "telemetry_daily rows differ"

echo; echo "## Idempotent: the same range again gives identical results"
$nightshift run telemetry-daily --from 2024-01-01 --to 2024-01-31 --config "$config" >/dev/null 2>&1
[ "$(sql "$query")" = "$rows" ] || fail "a re-run changed telemetry_daily"

echo; echo "## The team's curl calls, against nightshift serve with CRON_SECRET"
start_server
call() { curl -sS -w '\nHTTP Status: %{http_code}' -H "Authorization: Bearer $CRON_SECRET" "$@"; }
out=$(call "$api/api/jobs/run/telemetry-daily?dryRun=true"); echo "$out"
expect "$out" '"success":true'
expect "$out" '"dryRun":true'
out=$(call -X POST -H 'Content-Type: application/json' -d '{"startDate": "2024-01-01", "endDate": "2024-01-31"}' \
  "$api/api/jobs/run/telemetry-daily"); echo "$out"
expect "$out" '"days":31'
expect "$out" '"succeeded":31'
out=$(call "$api/api/jobs/run/telemetry-daily"); echo "$out"
expect "$out" 'HTTP Status: 200'
[ "$(sql "$query")" = "$rows" ] || fail "the API runs changed telemetry_daily"
out=$(curl -sS -w '\nHTTP Status: %{http_code}' "$api/api/jobs/runs" -H "Authorization: Bearer $CRON_SECRET")
expect "$out" 'HTTP Status: 403'
echo; echo "ALL CHECKS PASSED"
