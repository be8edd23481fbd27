#!/usr/bin/env bash
# Installs every Debian 12 package clientele needs to build, test and run.
# Idempotent: apt-get skips what is already installed. Run as root.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build git pkg-config ca-certificates openssl
  # Clang: its thread-safety analysis of the lock annotations (scripts/test.sh)
  clang
  # libraries (all found with find_package(... CONFIG))
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libssl-dev
  libyaml-cpp-dev libsqlitecpp-dev libsqlite3-dev sqlite3
  libcli11-dev nlohmann-json3-dev libcpp-httplib-dev
  # PostgreSQL: the client library of the postgres store, and the server
  # its conformance tests start in a temporary directory
  libpq-dev postgresql
  # the IANA time zones a ruleset's time_zone names (read by Abseil)
  tzdata
  # tests and benchmarks (python3: the doc examples' tester, stdlib only;
  # curl: the JSON gateway's examples in docs/http.md)
  libgtest-dev libgmock-dev libbenchmark-dev python3 curl
  # the console's tests in a real browser, and a font for the rules'
  # Chinese names in their screenshots
  chromium chromium-driver python3-selenium fonts-wqy-microhei
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
