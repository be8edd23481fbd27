// The offline `clientele rules ...` commands: they use the rules library
// directly and need no server. Each returns the process exit code and
// writes to the given streams, so tests can run them in-process.
//
// Exit codes (client/exit_codes.h): 0 success; 1 the ruleset has errors,
// or evaluating failed; 2 bad command-line input (unreadable file,
// malformed customer JSON).
#ifndef CLIENTELE_CLIENT_RULES_COMMANDS_H_
#define CLIENTELE_CLIENT_RULES_COMMANDS_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "client/exit_codes.h"

namespace clientele::client {

struct TestOptions {
  std::string directory;
  bool coverage = false;      // also list the rules no case matched
  double min_coverage = -1;   // fail when coverage is below this percentage (< 0: no minimum)
  std::string today;          // YYYY-MM-DD for cases without their own; "" today (UTC)
  bool json = false;
};

// `clientele rules test DIR`: runs the ruleset's test cases (files of
// kind: tests) offline: a line per failing case with expected and actual
// and the rule that decided, then "N passed, M failed". Exit 0 when all
// pass (and coverage is at least --min-coverage), 1 otherwise (also when
// the ruleset itself has errors), 2 for bad options.
int RunTest(const TestOptions& options, std::ostream& out, std::ostream& err);

struct ValidateOptions {
  std::string directory;
  bool json = false;
  uint64_t max_work = 0;  // --max-work: the server's max_evaluation_work (0: none)
};

// Prints every diagnostic of the ruleset (compiler style, or a JSON array
// with --json) and a summary; 0 when there is no error, 1 otherwise.
int RunValidate(const ValidateOptions& options, std::ostream& out, std::ostream& err);

struct EvalOptions {
  std::string directory;
  std::string customer_json;    // --customer
  std::string customer_file;    // --customer-file (one JSON object)
  std::string customers_file;   // --customers-file (JSON lines)
  std::string event_json;       // --event
  std::string event_file;       // --event-file
  std::string today;            // --today YYYY-MM-DD; empty: today in the ruleset's time zone
  std::string time;             // --time HH:MM; empty: now with no --today, else unknown
  std::string amount;           // --amount: a basket, when there is no purchase
  std::string channel;          // --channel online|offline, when there is no purchase
  std::string offers_used;      // --offers-used JSON: limits and budgets used so far
  bool explain = false;
  bool json = false;
  uint64_t max_work = 0;  // --max-work: the server's max_evaluation_work (0: none)
};

// Evaluates the ruleset for one customer or each customer of a JSON lines
// file, printing the decisions (text, or JSON / JSON lines with --json).
int RunEval(const EvalOptions& options, std::ostream& out, std::ostream& err);

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_RULES_COMMANDS_H_
