#!/usr/bin/env bash
# Soak: one `nightshift serve` on SQLite works through 5,000 command runs, then 100,000 no-op
# runs, while its open descriptors and resident memory are sampled. Both must stay flat: a
# command run used to leak a pipe (about 980 runs reached systemd's limit of 1,024).
#
#   scripts/soak.sh                     the debug build
#   SOAK_COMMANDS=500 SOAK_NOOPS=10000 scripts/soak.sh   a shorter run
set -euo pipefail
cd "$(dirname "$0")/.."
commands=${SOAK_COMMANDS:-5000}
noops=${SOAK_NOOPS:-100000}
binary="$PWD/.build/debug/nightshift"
[ -x "$binary" ] || swift build --product nightshift >/dev/null

work=$(mktemp -d /tmp/nightshift-soak.XXXXXX)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/soak.yml" <<YAML
store: sqlite:$work/store.db
databases: { store: "sqlite:$work/store.db" }
jobs:
  echo:
    kind: command
    command: [sh, -c, "echo soak"]
  noop:
    kind: sql
    database: store
    sql: "SELECT 1 AS ok"
YAML
"$binary" migrate --config "$work/soak.yml" >/dev/null

enqueue() { # job, count
  python3 - "$work/store.db" "$1" "$2" <<'PY'
import sqlite3, sys, time, uuid
db = sqlite3.connect(sys.argv[1], timeout=30)
now = time.time()
db.executemany(
    "INSERT INTO nightshift_runs (id, job, status, \"trigger\", attempt, max_attempts, run_after, created_at, queue, params, details, dry_run, priority, progress, cancel_requested) VALUES (?, ?, 'queued', 'api', 1, 1, ?, ?, 'default', '{}', '{}', 0, 0, 0, 0)",
    [(str(uuid.uuid4()), sys.argv[2], now, now) for _ in range(int(sys.argv[3]))])
db.commit()
PY
}
finished() { # job
  python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1], timeout=30).execute(\"SELECT count(*) FROM nightshift_runs WHERE job = ? AND status NOT IN ('queued', 'running')\", (sys.argv[2],)).fetchone()[0])" "$work/store.db" "$1"
}
sample() { # label
  local fds rss
  fds=$(ls "/proc/$pid/fd" | wc -l)
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
  printf '%-28s descriptors=%-4s rss=%s MiB\n' "$1" "$fds" "$(( rss / 1024 ))"
}
soak() { # job, count
  enqueue "$1" "$2"
  local done=0 step=$(( $2 / 5 )) next=$(( $2 / 5 )) started=$SECONDS
  while [ "$done" -lt "$2" ]; do
    sleep 0.5
    done=$(finished "$1")
    if [ "$done" -ge "$next" ]; then
      sample "$1 $done/$2"
      next=$(( next + step ))
    fi
  done
  echo "$1: $2 runs in $(( SECONDS - started ))s; failed: $(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT count(*) FROM nightshift_runs WHERE job = ? AND status <> 'succeeded'\", (sys.argv[2],)).fetchone()[0])" "$work/store.db" "$1")"
}

NIGHTSHIFT_LOG_LEVEL=error "$binary" serve --config "$work/soak.yml" --port 0 >"$work/serve.log" 2>&1 &
pid=$!
sleep 2
sample "start"
soak echo "$commands"
soak noop "$noops"
kill -TERM "$pid"
wait "$pid" || true
pid=""
