#!/usr/bin/env bash
# The admin API example (from a team's proof pack for their Express admin routes), replayed
# against a real `nightshift serve`: scheduler start logs, job status with schedules (B1), a
# manual trigger that runs and returns the team's details through the result file (B2), the run
# in the history (B3), the cleanup's effect (C, D), and 403 for the staff token on history and
# on triggers (E). Needs curl and python3 (the cleanup scripts).
# Exits non-zero at the first check that fails.
#   examples/admin-api/run.sh                 # builds nightshift first (swift build)
#   NIGHTSHIFT=/path/to/nightshift examples/admin-api/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
export APP_DATABASE="sqlite:$work/app.db"
export ADMIN_TOKEN="admin-$(openssl rand -hex 16)" STAFF_TOKEN="staff-$(openssl rand -hex 16)"
server=""
trap 'stop_server; rm -rf "$work"' EXIT

call() { curl -sS -w '\nHTTP Status: %{http_code}' "$@"; }

$nightshift run seed-sample-data --config "$config" >/dev/null
$nightshift run seed-sample-cache --config "$config" >/dev/null

echo "## A) SCHEDULER START LOGS"
start_server
grep -E "scheduler enabled|cleanup" "$work/serve.log" | sed 's/^.*\[NightshiftCLI\] //'
expect "$(cat "$work/serve.log")" "cleanupPreviewSessions: 0 \*/6 \* \* \*"

echo; echo "## B1) GET /api/jobs/status (admin token)"
status=$(call -H "Authorization: Bearer $ADMIN_TOKEN" "$api/api/jobs/status")
echo "$status"
expect "$status" '"name":"cleanupPreviewSessions"'
expect "$status" '"schedule":"0 \*/6 \* \* \*"'
expect "$status" '"description":"Cleanup old i18n cache entries"'
expect "$status" 'HTTP Status: 200'

echo; echo "## B2/C3) POST /api/jobs/run/cleanupPreviewSessions (manual trigger)"
trigger=$(call -X POST -H "Authorization: Bearer $ADMIN_TOKEN" "$api/api/jobs/run/cleanupPreviewSessions")
echo "$trigger"
expect "$trigger" '"success":true'
expect "$trigger" '"details":{"expiredCount":2,"revokedCount":0}'

echo; echo "## B3) GET /api/jobs/runs (job history)"
runs=$(call -H "Authorization: Bearer $ADMIN_TOKEN" "$api/api/jobs/runs?job=cleanupPreviewSessions")
echo "$runs"
expect "$runs" '"status":"succeeded"'
expect "$runs" '"triggeredBy":"ops"'

echo; echo "## C4) the expired sessions are gone, the live one stays"
again=$(call -X POST -H "Authorization: Bearer $ADMIN_TOKEN" "$api/api/jobs/run/cleanupPreviewSessions")
expect "$again" '"expiredCount":0'
echo "second run: $(grep -o '"details":{[^}]*}' <<<"$again")"

echo; echo "## D) POST /api/jobs/run/cleanupI18nCache"
cache=$(call -X POST -H "Authorization: Bearer $ADMIN_TOKEN" "$api/api/jobs/run/cleanupI18nCache")
echo "$cache"
expect "$cache" '"details":{"cleanedCount":1}'

echo; echo "## E2) GET /api/jobs/runs with STAFF token"
history=$(call -H "Authorization: Bearer $STAFF_TOKEN" "$api/api/jobs/runs")
echo "$history"
expect "$history" '{"error":"Insufficient permissions"}'
expect "$history" 'HTTP Status: 403'

echo; echo "## E3) POST /api/jobs/run/cleanupPreviewSessions with STAFF token"
denied=$(call -X POST -H "Authorization: Bearer $STAFF_TOKEN" "$api/api/jobs/run/cleanupPreviewSessions")
echo "$denied"
expect "$denied" '{"error":"Insufficient permissions"}'
expect "$denied" 'HTTP Status: 403'
anonymous=$(call "$api/api/jobs/runs")
expect "$anonymous" 'HTTP Status: 401'

echo; echo "ALL CHECKS PASSED"
