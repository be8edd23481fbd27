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
