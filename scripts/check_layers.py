#!/usr/bin/env python3
"""Fails when a source file includes a layer it may not depend on.

The layers, lowest first (README.md, "What is here"):

  common/              strings, SHA-256, UTF-8, a failure's details
  rules/               the DSL; rules/internal/ is private to rules/
  server/store/        the store contract; server/store/sql/ implements it on
                       a relational database, server/store/sqlite/ and
                       server/store/postgres/ are its two backends
  server/reload/       hot reload of the rules
  server/infra/        logging, metrics, the worker pool
  server/api/          one file per proto service: validation, conversion,
                       the operations; messages only, no gRPC
  server/api/grpc/     the gRPC services, reactors and transport
  server/gateway/      the JSON gateway: HTTP in front of the gRPC server,
                       a client of it through its in-process channel
  server/              main.cc, config, demo data: the composition root
  client/              the `clientele` command: rules/ offline, gRPC online

Every #include of a .h/.cc under those folders is checked against the
table below: the folders of ours it may include, and the libraries (gRPC,
SQLite, ...). Standard and system headers are always allowed. The build
runs this (CMakeLists.txt, target check_layers, which every library of
ours waits for), so a wrong include fails the build with the file, the
line and what is allowed.

Usage: check_layers.py SOURCE_DIR
"""

import pathlib
import re
import sys

# Folder -> (folders of ours it may include, libraries it may include).
# A folder's own files are always allowed. The most specific folder wins.
LAYERS = {
    "common": (set(), {"absl", "openssl"}),
    "rules": ({"common", "rules/internal"}, {"absl", "yaml-cpp"}),
    "rules/internal": ({"common", "rules"}, {"absl", "yaml-cpp"}),
    "server/store": ({"common", "rules"}, {"absl"}),
    "server/store/sql": ({"common", "rules", "server/store"}, {"absl"}),
    "server/store/sqlite": ({"common", "rules", "server/store", "server/store/sql"}, {"absl", "sqlite"}),
    "server/store/postgres": ({"common", "rules", "server/store", "server/store/sql"}, {"absl", "libpq"}),
    "server/reload": ({"common", "rules"}, {"absl"}),
    "server/infra": ({"common", "rules"}, {"absl", "httplib"}),
    "server/api": (
        {"common", "rules", "server/store", "server/reload", "server/infra", "proto"},
        {"absl", "protobuf", "openssl"},
    ),
    "server/api/grpc": (
        {"common", "rules", "server/store", "server/reload", "server/infra", "server/api",
         "proto", "proto/grpc"},
        {"absl", "protobuf", "grpc", "openssl"},
    ),
    "server/gateway": (
        {"common", "server/infra", "proto"},
        {"absl", "protobuf", "grpc", "httplib", "openssl"},
    ),
    "server": (
        {"common", "rules", "server/store", "server/store/sqlite", "server/store/postgres",
         "server/reload",
         "server/infra", "server/api", "server/api/grpc", "server/gateway", "proto", "proto/grpc"},
        {"absl", "protobuf", "grpc", "yaml-cpp", "cli11"},
    ),
    "client": (
        {"common", "rules", "proto", "proto/grpc"},
        {"absl", "protobuf", "grpc", "openssl", "cli11", "json"},
    ),
}

# Libraries by the path of their headers.
LIBRARIES = [
    (re.compile(r"^absl/"), "absl"),
    (re.compile(r"^openssl/"), "openssl"),
    (re.compile(r"^yaml-cpp/"), "yaml-cpp"),
    (re.compile(r"^(SQLiteCpp/|sqlite3\.h$)"), "sqlite"),
    (re.compile(r"^libpq-fe\.h$"), "libpq"),
    (re.compile(r"^(grpcpp/|grpc/)"), "grpc"),
    (re.compile(r"^google/protobuf/"), "protobuf"),
    (re.compile(r"^httplib\.h$"), "httplib"),
    (re.compile(r"^CLI/"), "cli11"),
    (re.compile(r"^nlohmann/"), "json"),
]

# Generated code: the messages (proto) and the services (proto/grpc).
GENERATED = [
    (re.compile(r"^(clientele/v1|google/rpc)/\w+\.grpc\.pb\.h$"), "proto/grpc"),
    (re.compile(r"^(clientele/v1|google/rpc)/\w+\.pb\.h$"), "proto"),
]

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]')


def folder_of(relative_path):
    """The most specific folder of LAYERS that holds `relative_path`."""
    parts = pathlib.PurePosixPath(relative_path).parts[:-1]
    for length in range(len(parts), 0, -1):
        candidate = "/".join(parts[:length])
        if candidate in LAYERS:
            return candidate
    return None


def classify(included):
    """('ours', folder) | ('library', name) | ('system', None) | ('unknown', None)."""
    for pattern, layer in GENERATED:
        if pattern.search(included):
            return "ours", layer
    for pattern, name in LIBRARIES:
        if pattern.search(included):
            return "library", name
    folder = folder_of(included)
    if folder is not None:
        return "ours", folder
    if "/" not in included or included.startswith(("sys/", "arpa/", "netinet/", "linux/")):
        return "system", None
    return "unknown", None


def check_file(source_dir, path):
    relative = path.relative_to(source_dir).as_posix()
    folder = folder_of(relative)
    allowed_ours, allowed_libraries = LAYERS[folder]
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = INCLUDE.match(line)
        if not match:
            continue
        included = match.group(1)
        kind, name = classify(included)
        if kind == "system":
            continue
        if kind == "ours" and (name == folder or name in allowed_ours):
            continue
        if kind == "library" and name in allowed_libraries:
            continue
        if kind == "unknown":
            why = f"'{included}' is neither ours, nor a known library, nor a system header"
        elif kind == "ours":
            why = f"{folder}/ may not include {name}/ ('{included}')"
        else:
            why = f"{folder}/ may not use {name} ('{included}')"
        ours = ", ".join(sorted(allowed_ours | {folder})) or "-"
        libraries = ", ".join(sorted(allowed_libraries)) or "-"
        problems.append(f"{relative}:{number}: error: {why}; {folder}/ may include {ours}"
                        f" and the libraries {libraries} (scripts/check_layers.py)")
    return problems


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    source_dir = pathlib.Path(argv[1]).resolve()
    problems = []
    for top in sorted({folder.split("/")[0] for folder in LAYERS}):
        for path in sorted((source_dir / top).rglob("*")):
            if path.suffix in (".h", ".cc") and path.is_file():
                problems += check_file(source_dir, path)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
