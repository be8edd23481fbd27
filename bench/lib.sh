# Shared by the bench scripts (source it). start_clienteled BUILD_DIR WORK:
# starts clienteled with WORK/server.yaml, waits until it listens, and sets
# $server (its pid) and $address (host:port). The caller stops it.
start_clienteled() {
  mkfifo "$2/out"
  "$1/server/clienteled" --config "$2/server.yaml" > "$2/out" &
  server=$!
  local line
  read -r line < "$2/out"
  address=${line#listening on }
}

# The security settings of a bench server: plain text on loopback and one
# admin token, which clientele and clientele_load read from $CLIENTELE_TOKEN.
export CLIENTELE_TOKEN=bench-admin-token
bench_security_config() {
  cat <<YAML
plaintext: true
auth:
  tokens:
    - {name: bench, role: admin, sha256: $(printf %s "$CLIENTELE_TOKEN" | sha256sum | cut -d' ' -f1)}
YAML
}

# The database of a bench server in WORK (or in $BENCH_DATABASE_DIR, for
# replicas that share one): a SQLite file, or with LOAD_DATABASE=postgres a
# PostgreSQL server of its own in that directory's postgres/, durable as
# shipped (scripts/postgres-test-server.sh, POSTGRES_DURABLE=1), which
# stop_bench_database stops.
bench_database_config() {
  local dir=${BENCH_DATABASE_DIR:-$1}
  if [[ ${LOAD_DATABASE:-sqlite} != postgres ]]; then
    echo "database: $dir/clientele.db"
    return
  fi
  if [[ ! -f $dir/postgres/url ]]; then
    POSTGRES_DURABLE=1 bash scripts/postgres-test-server.sh start "$dir/postgres" > /dev/null
  fi
  echo "database: $(cat "$dir/postgres/url")"
  echo "database_password_file: $dir/postgres/password"
}
stop_bench_database() {
  if [[ -d $1/postgres ]]; then bash scripts/postgres-test-server.sh stop "$1/postgres"; fi
}

# cpu_ticks PID...: the CPU time (clock ticks, user + system) the
# processes have used so far, with their children that ended (a
# PostgreSQL postmaster's finished backends) and those still running.
cpu_ticks() {
  local total=0 pid child
  for pid in "$@"; do
    [[ -r /proc/$pid/stat ]] || continue
    # Fields after the command's closing parenthesis: utime is the 12th,
    # stime, cutime and cstime follow.
    total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13 + $14 + $15}')))
    for child in $(pgrep -P "$pid" || true); do
      total=$((total + $(sed 's/.*) //' "/proc/$child/stat" 2>/dev/null | awk '{print $12 + $13}' || echo 0)))
    done
  done
  echo "$total"
}

# The postmaster of the bench database in DIR, if it is PostgreSQL.
bench_postgres_pid() {
  local dir=${BENCH_DATABASE_DIR:-$1}
  if [[ -f $dir/postgres/datadir ]]; then head -1 "$(cat "$dir/postgres/datadir")/cluster/postmaster.pid"; fi
}

# write_bench_config WORK RULES DEMO_DATA [MORE]: WORK/server.yaml for a
# bench server on 127.0.0.1 (any free port) with its database in WORK
# (bench_database_config), RULES its rules directory, DEMO_DATA true or
# false, MORE extra settings.
write_bench_config() {
  cat > "$1/server.yaml" <<YAML
$(bench_security_config)
listen: 127.0.0.1:0
$(bench_database_config "$1")
rules: $2
demo_data: $3
log_level: warning
${4:-}
YAML
}
