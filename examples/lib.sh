# Shared by the examples' run.sh scripts, which set `here` to their folder and source this file.
# shellcheck shell=bash
nightshift=${NIGHTSHIFT:-"swift run --package-path $here/../.. nightshift"}
fail() { echo "FAIL: $*" >&2; exit 1; }
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
