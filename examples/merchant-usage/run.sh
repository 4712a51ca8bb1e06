#!/usr/bin/env bash
# The merchant usage example (from a team's npm aggregation scripts run by Kubernetes CronJobs),
# their commands as `nightshift run` params: aggregate, aggregate-date,
# aggregate-range, aggregate-merchant and status. Exits non-zero at the first check that fails.
# Needs psql and redis-cli, a PostgreSQL database and a Redis database it may empty.
#   APP_DATABASE=postgres://user@127.0.0.1/app REDIS_URL=redis://127.0.0.1:6379/2 examples/merchant-usage/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
: "${APP_DATABASE:?set APP_DATABASE to a PostgreSQL URL}" "${REDIS_URL:?set REDIS_URL to a Redis URL}"
empty_redis_on_exit
count() { redis-cli -u "$REDIS_URL" INCRBY "usage:$1:$2:$3" "$4" >/dev/null; redis-cli -u "$REDIS_URL" EXPIRE "usage:$1:$2:$3" 604800 >/dev/null; }

redis-cli -u "$REDIS_URL" FLUSHDB >/dev/null
count acme_electronics_2024 2025-11-01 queries 1523
count acme_electronics_2024 2025-11-01 api_calls 8456
count globex 2025-11-01 queries 40
count acme_electronics_2024 2025-11-02 queries 17
count globex 2025-11-07 api_calls 3
redis-cli -u "$REDIS_URL" SET usage:acme_electronics_2024:2025-11-01:broken lots >/dev/null

echo "## npm run job:aggregate-merchant acme_electronics_2024 2025-11-01"
out=$($nightshift run aggregate --param merchant=acme_electronics_2024 --date 2025-11-01 --config "$config" 2>&1); echo "$out"
expect "$out" "\[aggregate\] Completed. processedKeys=2, upserts=2, badKeys=1"
[ "$(sql "SELECT merchant_id, metric_type, usage_count FROM merchant_usage ORDER BY metric_type")" = "acme_electronics_2024 | api_calls | 8456
acme_electronics_2024 | queries | 1523" ] || fail "merchant_usage after aggregate-merchant"

echo; echo "## npm run job:status 2025-11-01"
out=$($nightshift run aggregate --param status=true --date 2025-11-01 --config "$config" 2>&1); echo "$out"
expect "$out" "redisKeys=3, redisTotal=10019, tableRows=2, tableTotal=9979, pendingTotal=40, upToDate=false"

echo; echo "## npm run job:aggregate-date 2025-11-01"
out=$($nightshift run aggregate --date 2025-11-01 --config "$config" 2>&1); echo "$out"
expect "$out" "processedKeys=3, upserts=3"
out=$($nightshift run aggregate --param status=true --date 2025-11-01 --config "$config" 2>&1); echo "$out"
expect "$out" "upToDate=true"

echo; echo "## npm run job:aggregate-range 2025-11-01 2025-11-07"
out=$($nightshift run aggregate --from 2025-11-01 --to 2025-11-07 --config "$config" 2>&1); echo "$out"
[ "$(grep -c "Completed" <<<"$out")" = "7" ] || fail "expected one run per day"
[ "$(sql "SELECT count(*), sum(usage_count) FROM merchant_usage")" = "5 | 10039" ] || fail "merchant_usage after the range"

echo; echo "## npm run job:aggregate (yesterday's usage, the default of the team's script)"
yesterday=$(python3 -c 'import datetime; print(datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=1))')
count globex "$yesterday" queries 7
out=$($nightshift run aggregate --date yesterday --verbose --config "$config" 2>&1); echo "$out" | grep -E "Flushing|Found|Counted|Completed"
expect "$out" "Flushing counters matching usage:{merchant}:{date}:{metric} for $yesterday"
expect "$out" "Found 1 counter key to process"
expect "$out" "Counted usage:globex:$yesterday:queries = 7"
expect "$out" "processedKeys=1, upserts=1"

echo; echo "## npm run job:aggregate (every key; a re-run changes nothing)"
$nightshift run aggregate --config "$config" >/dev/null 2>&1
out=$($nightshift run aggregate --config "$config" 2>&1); echo "$out"
expect "$out" "processedKeys=6, upserts=6, badKeys=1"
[ "$(sql "SELECT count(*), sum(usage_count) FROM merchant_usage")" = "6 | 10046" ] || fail "a re-run changed merchant_usage"
echo; echo "ALL CHECKS PASSED"
