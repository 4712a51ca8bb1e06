# Shared by the examples' run.sh scripts, which set `here` to their folder and source this file.
# shellcheck shell=bash
fail() { echo "FAIL: $*" >&2; exit 1; }
# The built program ($NIGHTSHIFT, else built here once): `swift run` before every command cost
# seconds each, and a server started through it took longer than the scripts waited.
if [ -z "${NIGHTSHIFT:-}" ]; then
  echo "building nightshift (the first build takes about 14 minutes on 2 cores)..." >&2
  swift build --package-path "$here/../.." --product nightshift >&2 || fail "swift build failed"
  NIGHTSHIFT="$(swift build --package-path "$here/../.." --show-bin-path)/nightshift"
fi
nightshift=$NIGHTSHIFT
expect() { grep -q -- "$2" <<<"$1" || fail "expected '$2' in: $1"; }
# One query against $APP_DATABASE (PostgreSQL), unaligned, columns separated by ' | '.
sql() { psql "$APP_DATABASE" -X -q -t -A -F ' | ' -v ON_ERROR_STOP=1 -c "$1"; }
# A scratch folder for the example's own store, removed on exit (scripts that set their own EXIT
# trap remove it there), and the example's config.
work=$(mktemp -d)
export NIGHTSHIFT_STORE="sqlite:$work/nightshift.db"
config="$here/nightshift.yml"
trap 'rm -rf "$work"' EXIT
# For examples given a Redis database ($REDIS_URL) they may empty: emptied again on exit.
empty_redis_on_exit() { trap 'redis-cli -u "$REDIS_URL" FLUSHDB >/dev/null; rm -rf "$work"' EXIT; }
# Starts `nightshift serve` with the example's config on a free port, its output in
# $work/serve.log, and waits until it is ready (at most 60 s): sets $server (its pid) and $api
# (its address). Fails with the server's log when it does not come up.
start_server() {
  $nightshift serve --port 0 --config "$config" >"$work/serve.log" 2>&1 &
  server=$!
  api=""
  for _ in $(seq 1 600); do
    kill -0 "$server" 2>/dev/null || fail "the server stopped: $(tail -n 20 "$work/serve.log")"
    api=$(grep -o 'admin API on http://[0-9.]*:[0-9]*' "$work/serve.log" | head -n 1 | sed 's/^admin API on //' || true)
    [ -n "$api" ] && curl -fsS "$api/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "the server was not ready within 60 s: $(tail -n 20 "$work/serve.log")"
}
# Stops the server started by start_server; its exit is not the script's.
stop_server() { [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; server=""; return 0; }
