#!/usr/bin/env python3
"""scripts/check_layers.py refuses each kind of wrong include, and passes
the real source tree. Debian's python3, standard library only.

Usage: check_layers_test.py SOURCE_DIR
"""

import pathlib
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = pathlib.Path(sys.argv.pop(1) if len(sys.argv) > 1 else ".").resolve()
CHECKER = SOURCE_DIR / "scripts" / "check_layers.py"


def run_checker(tree):
    return subprocess.run([sys.executable, str(CHECKER), str(tree)],
                          capture_output=True, text=True, check=False)


class CheckLayersTest(unittest.TestCase):
    def tree_with(self, files):
        """A temporary source tree holding `files` ({path: text})."""
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        root = pathlib.Path(directory.name)
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        return root

    def assert_refused(self, path, include, expected):
        root = self.tree_with({path: f'#include <vector>\n#include {include}\n'})
        result = run_checker(root)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn(f"{path}:2: error: ", result.stderr)
        self.assertIn(expected, result.stderr)

    def test_the_source_tree_passes(self):
        result = run_checker(SOURCE_DIR)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_allowed_includes_pass(self):
        root = self.tree_with({
            "server/api/customers.cc": '#include "server/store/store.h"\n'
                                       '#include "clientele/v1/customers.pb.h"\n'
                                       '#include "absl/status/status.h"\n#include <sys/types.h>\n',
            "server/store/sqlite/reads.cc": '#include <SQLiteCpp/SQLiteCpp.h>\n'
                                            '#include "server/store/store.h"\n',
            "rules/loader.cc": '#include "rules/internal/parser.h"\n#include "common/utf8.h"\n',
        })
        result = run_checker(root)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_grpc_outside_the_grpc_layer(self):
        self.assert_refused("server/api/customers.cc", "<grpcpp/grpcpp.h>",
                            "server/api/ may not use grpc")
        self.assert_refused("server/api/customers.cc", '"clientele/v1/customers.grpc.pb.h"',
                            "server/api/ may not include proto/grpc/")
        self.assert_refused("server/store/store.h", '"clientele/v1/types.pb.h"',
                            "server/store/ may not include proto/")

    def test_sqlite_outside_its_implementation(self):
        self.assert_refused("server/store/store.h", "<sqlite3.h>",
                            "server/store/ may not use sqlite")
        self.assert_refused("server/api/admin.cc", "<SQLiteCpp/SQLiteCpp.h>",
                            "server/api/ may not use sqlite")
        self.assert_refused("server/api/admin.cc", '"server/store/sqlite/sqlite_store.h"',
                            "server/api/ may not include server/store/sqlite/")

    def test_a_lower_layer_including_a_higher_one(self):
        self.assert_refused("rules/loader.cc", '"server/store/store.h"',
                            "rules/ may not include server/store/")
        self.assert_refused("common/strings.h", '"rules/decimal.h"',
                            "common/ may not include rules/")
        self.assert_refused("server/store/store.h", '"server/api/requests.h"',
                            "server/store/ may not include server/api/")
        self.assert_refused("server/reload/reloader.cc", '"server/store/store.h"',
                            "server/reload/ may not include server/store/")

    def test_private_rules_internals(self):
        self.assert_refused("client/render.cc", '"rules/internal/ast.h"',
                            "client/ may not include rules/internal/")

    def test_the_client_never_includes_the_server(self):
        self.assert_refused("client/remote.cc", '"server/api/requests.h"',
                            "client/ may not include server/api/")

    def test_an_unknown_include(self):
        self.assert_refused("server/infra/log.cc", '"somewhere/else.h"',
                            "'somewhere/else.h' is neither ours")


if __name__ == "__main__":
    unittest.main()
