#!/usr/bin/env bash
# Runs the whole test suite against real SQLite, a real throwaway PostgreSQL and a real Redis on loopback.
# Installs PostgreSQL, Redis, zlib's headers, curl, openssl, systemd-analyze, promtool (prometheus), and Chromium with
# chromium-driver and Selenium from Debian's packages and
# kubernetes-validate from PyPI when missing, starts the servers in a
# temporary directory, packs the program (scripts/package.sh --debug), runs `swift test` and then the
# chaos suite, and stops them afterwards, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_bin=""
find_pg() { pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true); }
find_pg
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "== installing PostgreSQL from Debian's packages"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql >/dev/null
  find_pg
fi

# The examples' scripts talk to the admin API with curl; counter-flush and the Redis client need
# redis-server (and the examples redis-cli and python3); the purge archive needs zlib's headers.
missing=()
command -v curl >/dev/null || missing+=(curl)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v python3 >/dev/null || missing+=(python3)
command -v openssl >/dev/null || missing+=(openssl)
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v promtool >/dev/null || missing+=(prometheus)
# The dashboard's browser test: Chromium, its driver and Selenium, all from Debian.
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import selenium" 2>/dev/null; } || missing+=(python3-selenium)
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} from Debian's packages"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The Kubernetes manifests are validated offline against the Kubernetes schemas, from PyPI.
if ! command -v kubernetes-validate >/dev/null; then
  echo "== installing kubernetes-validate from PyPI"
  python3 -m pip install -q kubernetes-validate 2>/dev/null || pip install -q kubernetes-validate
fi

workdir=$(mktemp -d /tmp/nightshift-test.XXXXXX)
chmod 755 "$workdir"
# Ports stay below Linux's ephemeral range (32768 and up), where an outgoing connection may hold
# them; each kind of test server has a range of its own.
port=$(( 20000 + RANDOM % 6000 ))
run_as=""
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root: use the postgres account (or create a throwaway one).
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$workdir"
  run_as="runuser -u postgres --"
fi
cleanup() {
  [ -f "$workdir/redis.pid" ] && kill "$(cat "$workdir/redis.pid")" 2>/dev/null || true
  $run_as "$pg_bin/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

# Fails (after killing them) when processes of session `sid`, started by `what`, are still running.
check_left_running() {
  local sid=$1 what=$2 left
  # A zombie has ended: its new parent reaps it soon, and it holds nothing.
  left=$(ps -eo pid=,sid=,stat=,args= | awk -v sid="$sid" '$2 == sid && $3 !~ /^Z/' || true)
  [ -z "$left" ] && return 0
  echo "== $what left these processes running:"
  echo "$left"
  pkill -KILL -s "$sid" || true
  exit 1
}

$run_as "$pg_bin/initdb" -D "$workdir/data" -U postgres -A trust --no-sync >/dev/null
# A random port can be taken (a client's ephemeral port, another run): try others, and show the
# server's log if none works.
started=""
for _ in 1 2 3; do
  echo "== starting PostgreSQL on 127.0.0.1:$port in $workdir"
  if $run_as "$pg_bin/pg_ctl" -D "$workdir/data" -l "$workdir/postgres.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$workdir -c fsync=off -c max_connections=500" \
    start >/dev/null; then
    started=yes
    break
  fi
  port=$(( 20000 + RANDOM % 6000 ))
done
if [ -z "$started" ]; then
  echo "PostgreSQL did not start; its log:"
  tail -n 30 "$workdir/postgres.log" || true
  exit 1
fi

redis_port=$(( port + 1 ))
echo "== starting Redis on 127.0.0.1:$redis_port"
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --daemonize yes \
  --pidfile "$workdir/redis.pid" --logfile "$workdir/redis.log" --dir "$workdir"
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

export NIGHTSHIFT_TEST_REDIS="redis://127.0.0.1:$redis_port/0"
export NIGHTSHIFT_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
echo "== swift format lint (the repository's .swift-format)"
swift format lint --strict -r Sources Tests
# The package test unpacks what scripts/package.sh makes and runs it with the toolchain hidden;
# the debug build, in a build folder of its own (CI never builds release).
echo "== scripts/package.sh --debug"
NIGHTSHIFT_TEST_PACKAGE=$(scripts/package.sh --debug --output "$workdir/dist")
export NIGHTSHIFT_TEST_PACKAGE
echo "== swift test"
# At most two tests per core at once: unbounded, the suite's own processes took a 2-core machine
# to a load of 25 and every wait past its bound (the heavyweight end-to-end tests also wait for
# one another: the `.oneAtATime` trait).
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$(( $(nproc) * 2 ))
# In a session of its own, so that whatever a test started and left running can be found.
tests_status=0
setsid --wait bash -c 'echo $$ > "$0"; exec swift test "$@"' "$workdir/tests.sid" "$@" || tests_status=$?
check_left_running "$(cat "$workdir/tests.sid")" "the tests"
[ "$tests_status" -eq 0 ] || exit "$tests_status"
# The whole run (no arguments) ends with the chaos suite on a short budget: real processes killed,
# PostgreSQL and Redis stopped dead, an SQLite disk filled (scripts/chaos.sh; minutes by hand).
if [ $# -eq 0 ]; then
  echo "== chaos (scripts/chaos.sh, CI budget)"
  chaos_status=0
  CHAOS_BUDGET=ci setsid --wait bash -c 'echo $$ > "$0"; exec scripts/chaos.sh' "$workdir/chaos.sid" || chaos_status=$?
  check_left_running "$(cat "$workdir/chaos.sid")" "the chaos suite"
  [ "$chaos_status" -eq 0 ] || exit "$chaos_status"
fi
