#!/usr/bin/env bash
# Chaos on real processes: several `nightshift serve` instances on a throwaway PostgreSQL, with
# instances SIGKILLed, PostgreSQL stopped dead, Redis killed mid-flush and an SQLite store's disk
# filled. After each scenario the store is checked: no run lost, none succeeded twice, no success
# recorded as a failure, none left running, every fire run once or recorded as skipped, every
# counter exact, SQLite intact. One line of counts per scenario; exit 1 if any check fails.
#
#   scripts/chaos.sh                    minutes: 120 s of kills, outages of 45 s and 90 s
#   CHAOS_BUDGET=ci scripts/chaos.sh    the shorter run the test command makes
#   CHAOS_ONLY="kill sqlite" scripts/chaos.sh   some of the scenarios: kill, postgres,
#                                       long-outage, redis, sqlite
#   CHAOS_KEEP=1 scripts/chaos.sh       keeps the instances' logs and the data folder afterwards
#
# Needs the debug build (`swift build`), PostgreSQL's server binaries, redis-server, curl and
# python3; the SQLite scenario needs root (it mounts a small tmpfs) and says so otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${CHAOS_BUDGET:-}" = "ci" ]; then
  kill_seconds=30; outage_seconds=15; long_outage_seconds=65; work_runs=3000
else
  kill_seconds=120; outage_seconds=45; long_outage_seconds=90; work_runs=10000
fi
lease=3
binary="$PWD/.build/debug/nightshift"
[ -x "$binary" ] || swift build --product nightshift >/dev/null
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || { echo "chaos: PostgreSQL's server binaries are missing (apt-get install postgresql)"; exit 1; }

work=$(mktemp -d /tmp/nightshift-chaos.XXXXXX)
chmod 755 "$work"
run_as=""
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$work"
  run_as="runuser -u postgres --"
fi
# Below Linux's ephemeral range (32768 and up): an instance retrying PostgreSQL during the outage
# once connected to itself from the server's port, which then could not start again.
pg_port=$(( 26000 + RANDOM % 6000 ))
redis_port=$(( pg_port + 1 ))
api_base=$(( pg_port + 2 ))
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  [ -f "$work/redis.pid" ] && kill -9 "$(cat "$work/redis.pid")" 2>/dev/null || true
  $run_as "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  mountpoint -q "$work/small" 2>/dev/null && umount "$work/small" || true
  if [ -n "${CHAOS_KEEP:-}" ]; then echo "chaos: logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

pg_start() {
  $run_as "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$work -c max_connections=300" start >/dev/null
}
$run_as "$pg_bin/initdb" -D "$work/pg" -U postgres -A trust --no-sync >/dev/null
pg_start
psql_app() { psql -X -q -t -A -h 127.0.0.1 -p "$pg_port" -U postgres -d "$1" -c "$2"; }
redis_start() {
  # Counters must survive the kill: append-only, synced on every write.
  redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly yes --appendfsync always \
    --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work"
  for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "chaos: redis did not start"; exit 1
}
redis_start

failures=0
wants() { [ -z "${CHAOS_ONLY:-}" ] || [[ " $CHAOS_ONLY " == *" $1 "* ]]; }
check() { # name, actual, expected
  if [ "$2" != "$3" ]; then echo "  FAILED $1: $2 (expected $3)"; failures=$((failures + 1)); fi
}

export CHAOS_TOKEN=chaos-secret-token-0123 NIGHTSHIFT_LEASE_SECONDS=$lease NIGHTSHIFT_POLL_SECONDS=0.2 NIGHTSHIFT_LOG_LEVEL=${CHAOS_LOG_LEVEL:-notice}
config() { # store URL, extra jobs
  cat <<YAML
store: $1
databases: { app: "$1" }
redis: { hits: "redis://127.0.0.1:$redis_port/0" }
server:
  tokens: [{ name: chaos, role: admin, env: CHAOS_TOKEN }]
jobs:
  tick:
    kind: sql
    database: app
    schedule: "* * * * * *"
    catch_up: all
    sql: "SELECT 1 AS ticked"
  work:
    kind: command
    concurrency: 8
    retries: { max_attempts: 5, backoff: 1s }
    command: [sleep, "0.2"]
$2
YAML
}

start_instance() { # index, config
  "$binary" serve --config "$2" --port $((api_base + $1)) >>"$work/serve-$1.log" 2>&1 &
  pids[$1]=$!
}

enqueue_work() { # database, count
  psql_app "$1" "INSERT INTO nightshift_runs (id, job, status, \"trigger\", attempt, max_attempts, run_after, created_at, queue, params, details, dry_run, priority, progress, cancel_requested)
    SELECT gen_random_uuid()::text, 'work', 'queued', 'api', 1, 5, now(), now(), 'default', '{}', '{}', false, 0, 0, false FROM generate_series(1, $2)" >/dev/null
  psql_app "$1" "SELECT pg_notify('nightshift_new_runs', '')" >/dev/null
}

wait_drained() { # database, seconds
  for _ in $(seq 1 $(( $2 * 5 ))); do
    [ "$(psql_app "$1" "SELECT count(*) FROM nightshift_runs WHERE job = 'work' AND status IN ('queued', 'running')" 2>/dev/null || echo 1)" = "0" ] && return 0
    sleep 0.2
  done
  return 1
}

# SIGTERM, then up to 60 s for each instance to drain; one still running then is killed,
# counted in `stuck_after_sigterm` (a failed check) and the end of its log printed: its "still
# stopping" lines say what it waited for.
stuck=0
stop_instances() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for index in "${!pids[@]}"; do
    pid=${pids[$index]}
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      stuck=$((stuck + 1))
      kill -9 "$pid" 2>/dev/null || true
      echo "  instance $index did not stop within 60 s of SIGTERM; the end of its log:"
      tail -n 15 "$work/serve-$index.log" | cut -c1-300 | sed 's/^/    /'
    fi
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}

# Checks every PostgreSQL scenario shares; prints `name=value` counts.
check_store() { # database, expected work runs
  local db=$1 expected=$2
  local succeeded lost failed running twice duplicates gaps
  succeeded=$(psql_app "$db" "SELECT count(*) FROM nightshift_runs WHERE job = 'work' AND status = 'succeeded'")
  lost=$(( expected - $(psql_app "$db" "SELECT count(*) FROM nightshift_runs WHERE job = 'work'") ))
  failed=$(psql_app "$db" "SELECT count(*) FROM nightshift_runs WHERE status IN ('failed', 'discarded')")
  running=$(psql_app "$db" "SELECT count(*) FROM nightshift_runs WHERE status = 'running'")
  twice=$(psql_app "$db" "SELECT count(*) FROM (SELECT run_id FROM nightshift_attempts WHERE outcome = 'succeeded' GROUP BY run_id HAVING count(*) > 1) t")
  duplicates=$(psql_app "$db" "SELECT count(*) FROM (SELECT scheduled_for FROM nightshift_runs WHERE job = 'tick' GROUP BY scheduled_for HAVING count(*) > 1) t")
  # Every second between the first and the last fire was recorded, run or skipped.
  gaps=$(psql_app "$db" "SELECT count(*) FROM generate_series((SELECT min(scheduled_for) FROM nightshift_runs WHERE job = 'tick'), (SELECT max(scheduled_for) FROM nightshift_runs WHERE job = 'tick'), interval '1 second') s WHERE NOT EXISTS (SELECT 1 FROM nightshift_runs r WHERE r.job = 'tick' AND r.scheduled_for = s)")
  fires=$(psql_app "$db" "SELECT count(*) FROM nightshift_runs WHERE job = 'tick'")
  # Attempts cut short by a kill or an outage and run again: proof the chaos hit work in flight.
  rescued=$(psql_app "$db" "SELECT count(*) FROM nightshift_attempts WHERE outcome = 'lost'")
  check "work runs succeeded" "$succeeded" "$expected"
  check "runs lost" "$lost" 0
  check "runs failed or discarded" "$failed" 0
  check "runs left running" "$running" 0
  check "runs that succeeded twice" "$twice" 0
  check "fires recorded twice" "$duplicates" 0
  check "fires never recorded" "$gaps" 0
  counts="work=$succeeded/$expected lost=$lost failed=$failed running=$running succeeded_twice=$twice rescued_attempts=$rescued fires=$fires duplicate_fires=$duplicates missing_fires=$gaps"
}

new_database() { psql_app postgres "CREATE DATABASE $1" >/dev/null; echo "postgres://postgres@127.0.0.1:$pg_port/$1"; }

# A fresh database `name`, three instances serving it, and the work queued.
start_cluster() { # name
  config "$(new_database "$1")" "" >"$work/$1.yml"
  "$binary" migrate --config "$work/$1.yml" >/dev/null
  for i in 0 1 2; do start_instance "$i" "$work/$1.yml"; done
  sleep 2
  enqueue_work "$1" "$work_runs"
}

# --- 1. SIGKILL of a random instance every 10 s ------------------------------------------------
if wants kill; then
start_cluster chaos_kill
kills=0
end=$(( SECONDS + kill_seconds ))
while [ $SECONDS -lt $end ]; do
  sleep 10
  victim=$(( RANDOM % 3 ))
  kill -9 "${pids[$victim]}" 2>/dev/null || true
  wait "${pids[$victim]}" 2>/dev/null || true
  kills=$((kills + 1))
  start_instance "$victim" "$work/chaos_kill.yml"
done
wait_drained chaos_kill 120 || true
stop_instances
check_store chaos_kill "$work_runs"
check "instances stuck after SIGTERM" "$stuck" 0
echo "chaos kill: ${kill_seconds}s, $kills SIGKILLs of 3 instances: $counts stuck_after_sigterm=$stuck"
stuck=0
fi

# --- 2. PostgreSQL stopped dead for the outage --------------------------------------------------
if wants postgres; then
start_cluster chaos_outage
sleep 3
$run_as "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null
sleep "$outage_seconds"
pg_start
# A lease and a margin after the database is back, nothing may be running without a heartbeat.
sleep $(( lease * 3 ))
stale=$(psql_app chaos_outage "SELECT count(*) FROM nightshift_runs WHERE status = 'running' AND heartbeat_at < now() - interval '$lease seconds'")
wait_drained chaos_outage 120 || true
stop_instances
check "runs running without a heartbeat a lease after the outage" "$stale" 0
check "instances stuck after SIGTERM" "$stuck" 0
check_store chaos_outage "$work_runs"
echo "chaos postgres: ${outage_seconds}s outage under 3 instances: $counts stale_running=$stale stuck_after_sigterm=$stuck"
fi

# --- 2b. A longer outage than two leases, with the default lease -------------------------------
# Runs that finish while PostgreSQL is down wait in their instance to be recorded. When it comes
# back, every instance's heartbeats look a minute old: an instance that rescued then (its rescue
# pass had hung through the outage) recorded other live instances' successes as failures.
if wants long-outage; then
url=$(new_database chaos_long)
config "$url" "  slow:
    kind: command
    concurrency: 6
    command: [sleep, \"15\"]" >"$work/long.yml"
"$binary" migrate --config "$work/long.yml" >/dev/null
unset NIGHTSHIFT_LEASE_SECONDS
for i in 0 1; do start_instance "$i" "$work/long.yml"; done
export NIGHTSHIFT_LEASE_SECONDS=$lease
sleep 2
slow_runs=12
psql_app chaos_long "INSERT INTO nightshift_runs (id, job, status, \"trigger\", attempt, max_attempts, run_after, created_at, queue, params, details, dry_run, priority, progress, cancel_requested)
  SELECT gen_random_uuid()::text, 'slow', 'queued', 'api', 1, 1, now(), now(), 'default', '{}', '{}', false, 0, 0, false FROM generate_series(1, $slow_runs)" >/dev/null
psql_app chaos_long "SELECT pg_notify('nightshift_new_runs', '')" >/dev/null
sleep 5
$run_as "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null
sleep "$long_outage_seconds"
pg_start
for _ in $(seq 1 600); do
  [ "$(psql_app chaos_long "SELECT count(*) FROM nightshift_runs WHERE job = 'slow' AND status IN ('queued', 'running')" 2>/dev/null || echo 1)" = "0" ] && break
  sleep 0.2
done
# A lease after the last run ended, for any late rescue to show.
sleep 35
stop_instances
check "instances stuck after SIGTERM" "$stuck" 0
check_store chaos_long 0
slow_ok=$(psql_app chaos_long "SELECT count(*) FROM nightshift_runs WHERE job = 'slow' AND status = 'succeeded'")
lost=$(psql_app chaos_long "SELECT count(*) FROM nightshift_attempts WHERE outcome = 'lost'")
check "slow runs succeeded" "$slow_ok" "$slow_runs"
check "attempts of live instances rescued as lost" "$lost" 0
echo "chaos long outage: ${long_outage_seconds}s outage under 2 instances, 30 s lease: slow=$slow_ok/$slow_runs lost_attempts=$lost $counts stuck_after_sigterm=$stuck"
stuck=0
fi

# --- 3. Redis killed in the middle of a counter flush ------------------------------------------
if wants redis; then
url=$(new_database chaos_flush)
config "$url" "  flush:
    kind: counter-flush
    redis: hits
    keys: \"chaos:hits:{page}\"
    database: app
    table: page_hits
    total: __all__
    batch_size: 200" >"$work/flush.yml"
"$binary" migrate --config "$work/flush.yml" >/dev/null
expected=0
for round in 1 2 3; do
  python3 - "$redis_port" "$round" >"$work/incr.txt" <<'PY'
import sys
round_ = int(sys.argv[2])
for page in range(5000):
    print(f"INCRBY chaos:hits:p{page} {page % 7 + round_}")
PY
  redis-cli -p "$redis_port" <"$work/incr.txt" >/dev/null
  expected=$(( expected + $(awk '{ s += $3 } END { print s }' "$work/incr.txt") ))
  "$binary" run flush --config "$work/flush.yml" >"$work/flush-$round.log" 2>&1 &
  flush=$!
  sleep "0.$(( RANDOM % 9 + 1 ))"
  kill -9 "$(cat "$work/redis.pid")"
  wait "$flush" || true
  redis_start
done
for _ in 1 2 3; do "$binary" run flush --config "$work/flush.yml" >"$work/flush-final.log" 2>&1 && break; sleep 1; done
table=$(psql_app chaos_flush "SELECT COALESCE(sum(value), 0) FROM page_hits WHERE page <> '__all__'")
total=$(psql_app chaos_flush "SELECT COALESCE(sum(value), 0) FROM page_hits WHERE page = '__all__'")
left=$(redis-cli -p "$redis_port" --scan --pattern '*hits*' | wc -l)
pending=$(redis-cli -p "$redis_port" --scan --pattern 'nightshift:pending:*' | wc -l)
check "counted in the table" "$table" "$expected"
check "the total row" "$total" "$expected"
check "keys left in Redis" "$left" 0
check "pending keys left" "$pending" 0
echo "chaos redis: 3 flushes with Redis SIGKILLed mid-way: counted=$table/$expected total_row=$total keys_left=$left pending_left=$pending"
fi

# --- 4. An SQLite store whose disk fills up -----------------------------------------------------
mkdir -p "$work/small"
if ! wants sqlite; then
  :
elif ! mount -t tmpfs -o size=24m tmpfs "$work/small" 2>/dev/null; then
  echo "chaos sqlite: cannot mount a small disk (needs root)"
  [ "${CI:-}" = "true" ] && failures=$((failures + 1))
else
  store="sqlite:$work/small/store.db"
  config "$store" "" >"$work/sqlite.yml"
  "$binary" migrate --config "$work/sqlite.yml" >/dev/null
  # One instance, the work job 8 at a time: about 17 runs a second on this 2-core machine.
  sqlite_runs=1000
  python3 - "$work/small/store.db" "$sqlite_runs" <<'PY'
import sqlite3, sys, time, uuid
db = sqlite3.connect(sys.argv[1])
now = time.time()
db.executemany(
    "INSERT INTO nightshift_runs (id, job, status, \"trigger\", attempt, max_attempts, run_after, created_at, queue, params, details, dry_run, priority, progress, cancel_requested) VALUES (?, 'work', 'queued', 'api', 1, 5, ?, ?, 'default', '{}', '{}', 0, 0, 0, 0)",
    [(str(uuid.uuid4()), now, now) for _ in range(int(sys.argv[2]))])
db.commit()
PY
  start_instance 0 "$work/sqlite.yml"
  sleep 3
  # Fill the disk to the last byte, keep it full, then free it.
  dd if=/dev/zero of="$work/small/filler" bs=64k >/dev/null 2>&1 || true
  sleep 8
  rm -f "$work/small/filler"
  for _ in $(seq 1 1500); do
    left=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT count(*) FROM nightshift_runs WHERE job='work' AND status IN ('queued','running')\").fetchone()[0])" "$work/small/store.db" 2>/dev/null || echo 1)
    [ "$left" = "0" ] && break
    sleep 0.2
  done
  stop_instances
  read -r integrity succeeded failed running <<<"$(python3 - "$work/small/store.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
one = lambda sql: db.execute(sql).fetchone()[0]
print(one("PRAGMA integrity_check"), one("SELECT count(*) FROM nightshift_runs WHERE job = 'work' AND status = 'succeeded'"),
      one("SELECT count(*) FROM nightshift_runs WHERE status IN ('failed', 'discarded')"),
      one("SELECT count(*) FROM nightshift_runs WHERE status = 'running'"))
PY
)"
  check "SQLite integrity" "$integrity" ok
  check "work runs succeeded on SQLite" "$succeeded" "$sqlite_runs"
  check "runs failed or discarded on SQLite" "$failed" 0
  check "runs left running on SQLite" "$running" 0
  full=$(grep -c "disk is full" "$work/serve-0.log" || true)
  check "writes that met the full disk" "$(( full > 0 ))" 1
  echo "chaos sqlite: disk full for 8s under 1 instance: integrity=$integrity work=$succeeded/$sqlite_runs failed=$failed running=$running disk_full_errors=$full"
fi

if [ "$failures" -gt 0 ]; then
  echo "chaos: $failures checks failed (logs: serve-*.log were in $work)"
  tail -n 20 "$work"/serve-*.log 2>/dev/null || true
  exit 1
fi
echo "chaos: every check passed"
