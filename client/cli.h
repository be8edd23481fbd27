// The command line of `clientele`: parses the arguments (CLI11) and runs
// the one command they name, offline (client/rules_commands.h) or against
// a server (client/remote_commands.h). docs/cli.md describes every command.
//
// Thread-compatible: reads the environment (CLIENTELE_SERVER, USER) and
// writes only to the given streams.
#ifndef CLIENTELE_CLIENT_CLI_H_
#define CLIENTELE_CLIENT_CLI_H_

#include <ostream>

namespace clientele::client {

// Runs `clientele argv[1] ...` and returns its exit code
// (client/exit_codes.h); kExitBadInput for a command line that does not
// parse, 0 for --help. `stderr_is_terminal` turns on the progress display
// of long imports (as --progress does).
int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
           bool stderr_is_terminal = false);

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_CLI_H_
