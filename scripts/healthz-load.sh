#!/usr/bin/env bash
# /healthz under API load: one `nightshift serve` on SQLite with 20,000 runs in its history answers
# /healthz every 20 ms while 32 clients with an admin token hammer the heaviest endpoints (run
# listings of 500, job status, metrics, triggers, /readyz). Prints /healthz's latency idle (the
# baseline, measured first in the same run) and under load, and the ratio; the goal is under
# 50 ms at the 99th percentile under load.
#
#   scripts/healthz-load.sh                    20 s of load, the debug build
#   LOAD_SECONDS=60 LOAD_CLIENTS=64 scripts/healthz-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
binary="$PWD/.build/debug/nightshift"
[ -x "$binary" ] || swift build --product nightshift >/dev/null
work=$(mktemp -d /tmp/nightshift-healthz.XXXXXX)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(( 20000 + RANDOM % 10000 ))
cat >"$work/nightshift.yml" <<YAML
store: sqlite:$work/store.db
server:
  port: $port
  tokens: [{ name: load, role: admin, env: LOAD_TOKEN }]
jobs:
  noop:
    kind: sql
    database: store
    sql: "SELECT 1 AS one"
databases: { store: "sqlite:$work/store.db" }
YAML
export LOAD_TOKEN=load-secret-token-0123 NIGHTSHIFT_LOG_LEVEL=error
"$binary" migrate --config "$work/nightshift.yml" >/dev/null
python3 - "$work/store.db" <<'PY'
import sqlite3, sys, time, uuid
db = sqlite3.connect(sys.argv[1])
now = time.time()
rows = [(str(uuid.uuid4()), 'noop', 'succeeded', 'api', 1, 1, now - i, now - i, now - i, now - i + 0.01, 'default', '{}', '{"one":1}', 0, 0, 100, 0) for i in range(20000)]
db.executemany("INSERT INTO nightshift_runs (id, job, status, \"trigger\", attempt, max_attempts, run_after, created_at, started_at, ended_at, queue, params, details, dry_run, priority, progress, cancel_requested) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
db.commit()
PY
"$binary" serve --config "$work/nightshift.yml" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
python3 - "$port" "${LOAD_SECONDS:-20}" "${LOAD_CLIENTS:-32}" <<'PY'
import http.client, sys, threading, time
port, seconds, clients = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
auth = {"Authorization": "Bearer load-secret-token-0123"}
heavy = [("GET", "/api/jobs/runs?limit=500"), ("GET", "/api/jobs/status"), ("GET", "/metrics"),
         ("POST", "/api/jobs/run/noop"), ("GET", "/readyz")]

def probe(duration):
    latencies, end = [], time.monotonic() + duration
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while time.monotonic() < end:
        started = time.monotonic()
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        latencies.append((time.monotonic() - started) * 1000)
        time.sleep(0.02)
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    return len(latencies), pick(0.5), pick(0.99), latencies[-1]

served = [0]
stop = threading.Event()
def hammer(index):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        method, path = heavy[(index + served[0]) % len(heavy)]
        connection.request(method, path, body=b"{}" if method == "POST" else None,
                           headers=dict(auth, **({"Content-Type": "application/json"} if method == "POST" else {})))
        connection.getresponse().read()
        served[0] += 1

idle = probe(min(seconds, 5))
threads = [threading.Thread(target=hammer, args=(i,), daemon=True) for i in range(clients)]
for thread in threads: thread.start()
loaded = probe(seconds)
stop.set()
print(f"healthz idle:        {idle[0]} probes  p50={idle[1]:.1f} ms  p99={idle[2]:.1f} ms  max={idle[3]:.1f} ms")
print(f"healthz under load:  {loaded[0]} probes  p50={loaded[1]:.1f} ms  p99={loaded[2]:.1f} ms  max={loaded[3]:.1f} ms"
      f"  ({clients} clients, {served[0] / seconds:.0f} heavy requests/s)")
print(f"ratio under load / idle: p50 x{loaded[1] / idle[1]:.1f}  p99 x{loaded[2] / idle[2]:.1f}")
print("goal: p99 under 50 ms under load:", "met" if loaded[2] < 50 else "NOT met")
PY
