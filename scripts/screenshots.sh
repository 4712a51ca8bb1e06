#!/usr/bin/env bash
# Takes the README's dashboard pictures (docs/dashboard-*.png) from a realistic example: the jobs
# of docs/screenshots/nightshift.yml on a throwaway SQLite store, a few dozen runs made through
# the API (some failing and retried), then headless Chromium on the Overview, a search on the
# Runs page and one run. Needs chromium, chromium-driver and python3-selenium.
#   scripts/screenshots.sh
#   NIGHTSHIFT=/path/to/nightshift scripts/screenshots.sh   a binary of your own
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${NIGHTSHIFT:-}" ]; then
  swift build --product nightshift >/dev/null
  NIGHTSHIFT="$PWD/.build/debug/nightshift"
fi
work=$(mktemp -d /tmp/nightshift-screenshots.XXXXXX)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

export NIGHTSHIFT_STORE="sqlite:$work/nightshift.db" SCREENSHOT_TOKEN="screenshot-$(openssl rand -hex 16)"
port=$(( 28000 + RANDOM % 2000 ))
"$NIGHTSHIFT" serve --config docs/screenshots/nightshift.yml --port "$port" >"$work/serve.log" 2>&1 &
server=$!
api="http://127.0.0.1:$port"
for _ in $(seq 1 300); do curl -fs "$api/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

post() { curl -fs -X POST -H "Authorization: Bearer $SCREENSHOT_TOKEN" -H "Content-Type: application/json" "$api$1" -d "$2" >/dev/null; }
for source in reddit producthunt hackernews; do
  for category in tools design ai; do
    post /api/runs "{\"job\": \"scrape-products\", \"params\": {\"source\": \"$source\", \"category\": \"$category\"}}"
  done
done
for _ in 1 2 3 4 5 6; do post "/api/jobs/run/flush-usage-counters?wait=false" "{}"; done
for job in rollup-hourly-usage purge-old-logs send-weekly-digest rollup-hourly-usage; do post "/api/jobs/run/$job?wait=false" "{}"; done
# Every run ended (the failing scrapes retried), then the pictures.
for _ in $(seq 1 600); do
  left=$(curl -fs -H "Authorization: Bearer $SCREENSHOT_TOKEN" "$api/api/jobs/runs?status=queued&limit=1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["runs"]))')
  running=$(curl -fs -H "Authorization: Bearer $SCREENSHOT_TOKEN" "$api/api/jobs/runs?status=running&limit=1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["runs"]))')
  [ "$left$running" = "00" ] && break
  sleep 0.5
done
# The pages' counts and charts come from statistics kept a few seconds behind the runs.
sleep 15
NIGHTSHIFT_URL="$api" TOKEN="$SCREENSHOT_TOKEN" OUT="$PWD/docs" /usr/bin/python3 docs/screenshots/take.py
echo "screenshots: docs/dashboard-overview.png, docs/dashboard-runs.png, docs/dashboard-run.png"
