#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: Debian's PostgreSQL
# (scripts/install-deps.sh installs it), initialised in a temporary
# directory as an unprivileged user (the postgres user when run as root:
# initdb refuses root), listening on a free loopback port; DIR keeps its
# URL, its password and where its files are.
#
#   postgres-test-server.sh start DIR [OWNER_PID]
#       prints the URL (also in DIR/url); with OWNER_PID, the server
#       stops by itself once that process has ended
#   postgres-test-server.sh stop DIR    # stops it and removes DIR
#
# The login is the user "clientele" with the password in DIR/password
# (SCRAM over TCP, as a production server would ask). Durability is off
# (fsync, synchronous_commit): the tests kill clienteled, never this
# server, and a machine crash ends the tests anyway. POSTGRES_DURABLE=1
# keeps PostgreSQL's own defaults (fsync and synchronous_commit on), as
# the benchmarks (bench/load.sh) and a production server run.
set -euo pipefail

command=${1:?usage: postgres-test-server.sh start|stop DIR}
dir=${2:?usage: postgres-test-server.sh start|stop DIR}
owner=${3:-}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z $bin ]]; then
  echo "PostgreSQL is not installed: run scripts/install-deps.sh" >&2
  exit 1
fi
as_owner=()
if [[ $(id -u) == 0 ]]; then as_owner=(runuser -u postgres --); fi

case $command in
  start)
    # A server a killed run left behind goes first.
    if [[ -d $dir ]]; then "$0" stop "$dir"; fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # The server's files go in a directory of its own under /tmp, which
    # the postgres user can reach wherever DIR is (/root is not).
    data=$(mktemp -d /tmp/clientele-postgres.XXXXXX)
    echo "$data" > "$dir/datadir"
    head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$dir/password"
    cp "$dir/password" "$data/password"
    if [[ $(id -u) == 0 ]]; then chown -R postgres "$data"; fi
    "${as_owner[@]}" "$bin/initdb" -D "$data/cluster" -U clientele --auth-local=trust \
      --auth-host=scram-sha-256 --pwfile="$data/password" -E UTF8 --no-locale --no-sync \
      > "$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if [[ ${POSTGRES_DURABLE:-0} == 1 ]]; then durability=""; fi
    for attempt in 1 2 3 4 5; do
      port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      if "${as_owner[@]}" "$bin/pg_ctl" -D "$data/cluster" -l "$data/server.log" -w -t 60 \
          -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=400 $durability" \
          start > /dev/null; then
        echo "postgresql://clientele@127.0.0.1:$port/postgres" | tee "$dir/url"
        # Started for one process (OWNER_PID): stopped when it ends,
        # however it ends.
        if [[ -n $owner ]]; then
          nohup bash -c "while kill -0 $owner 2>/dev/null; do sleep 1; done; bash '$0' stop '$dir'" \
            > /dev/null 2>&1 &
        fi
        exit 0
      fi
    done
    cat "$data/server.log" >&2
    exit 1
    ;;
  stop)
    if [[ -f $dir/datadir ]]; then
      data=$(cat "$dir/datadir")
      if [[ -d $data/cluster ]]; then
        "${as_owner[@]}" "$bin/pg_ctl" -D "$data/cluster" -m immediate -w stop > /dev/null 2>&1 || true
      fi
      [[ $data == /tmp/clientele-postgres.* ]] && rm -rf "$data"
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: postgres-test-server.sh start|stop DIR" >&2
    exit 2
    ;;
esac
