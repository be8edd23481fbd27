// The exit codes of `clientele`, for scripts. Every command returns one of
// these; docs/cli.md lists them too. Remote commands map the server's gRPC
// status to them with ExitCodeFor() (client/remote.h).
#ifndef CLIENTELE_CLIENT_EXIT_CODES_H_
#define CLIENTELE_CLIENT_EXIT_CODES_H_

namespace clientele::client {

// Success.
inline constexpr int kExitOk = 0;
// Offline: the ruleset has errors, or evaluating it failed.
inline constexpr int kExitRuleErrors = 1;
// Bad input: a bad command line, an unreadable or malformed file, or a
// request the server refused as INVALID_ARGUMENT / OUT_OF_RANGE.
inline constexpr int kExitBadInput = 2;
// NOT_FOUND: no such customer, purchase, product or action.
inline constexpr int kExitNotFound = 3;
// ALREADY_EXISTS / FAILED_PRECONDITION / ABORTED: an idempotency key used
// for another request, a purchase id recorded before, a purchase already
// taken back, an action no longer proposed.
inline constexpr int kExitConflict = 4;
// The server is unreachable (UNAVAILABLE), did not answer in time
// (DEADLINE_EXCEEDED) or failed otherwise (INTERNAL, ...).
inline constexpr int kExitServerError = 5;
// UNAUTHENTICATED / PERMISSION_DENIED: no token, a token the server does
// not accept, or one whose role may not make the call.
inline constexpr int kExitDenied = 6;

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_EXIT_CODES_H_
