# Shared by the examples' run.sh scripts, which set `here` to their folder and source this file.
# shellcheck shell=bash
nightshift=${NIGHTSHIFT:-"swift run --package-path $here/../.. nightshift"}
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { grep -q -- "$2" <<<"$1" || fail "expected '$2' in: $1"; }
# One query against $APP_DATABASE (PostgreSQL), unaligned, columns separated by ' | '.
sql() { psql "$APP_DATABASE" -X -q -t -A -F ' | ' -v ON_ERROR_STOP=1 -c "$1"; }
