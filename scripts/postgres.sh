#!/usr/bin/env bash
# postgres.sh - a throw-away PostgreSQL (Debian's postgresql package) for the sql storage
# driver's tests.
#
#   scripts/postgres.sh start DIR   initdb into DIR (once), start it on 127.0.0.1:$PG_PORT
#                                   (default 5499), print the connection string and write
#                                   it to DIR/connection
#   scripts/postgres.sh stop DIR    stop it
#
# Root may not run postgres: as root the server runs as the `postgres` user.
# Then: CHART_TEST_PG="$(cat DIR/connection)" cargo test -p chart-core --test storage_cluster
set -euo pipefail

PG_PORT=${PG_PORT:-5499}
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[[ -x $PG_BIN/pg_ctl ]] || { echo "no PostgreSQL found (apt-get install postgresql)" >&2; exit 1; }

as_pg() {
  if [[ $(id -u) == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir=${1:?usage: start DIR}
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [[ $(id -u) == 0 ]] && chown postgres "$dir"
  if [[ ! -f $dir/data/PG_VERSION ]]; then
    as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log"
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
    -o "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
  local conn="host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres sslmode=disable"
  echo "$conn" >"$dir/connection"
  echo "$conn"
}

stop() {
  local dir=${1:?usage: stop DIR}
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
}

case ${1:-} in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
