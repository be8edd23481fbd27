// clientele — the command-line client. Offline:
//
//   clientele rules validate DIR
//   clientele rules eval DIR --customer JSON [--event JSON] [--explain] [--json]
//
// and, against a running clienteled (--server, $CLIENTELE_SERVER),
// `customers`, `events`, `evaluate`, `evaluate-many`, `products`,
// `improvements`, `reports`, `ruleset` and `ping`: see docs/cli.md or
// `clientele --help`.
#include <unistd.h>

#include <iostream>

#include "client/cli.h"

int main(int argc, char** argv) {
  return clientele::client::RunCli(argc, argv, std::cout, std::cerr, ::isatty(STDERR_FILENO) == 1);
}
