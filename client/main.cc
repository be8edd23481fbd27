// clientele — the command-line client.
//
//   clientele rules validate DIR
//   clientele rules eval DIR --customer JSON [--event JSON] [--explain] [--json]
//
// CLI11 (Debian's libcli11-dev) parses the command line.
#include <iostream>

#include "CLI/CLI.hpp"
#include "client/rules_commands.h"

int main(int argc, char** argv) {
  using namespace clientele::client;
  CLI::App app{"clientele: customer rules — check, try and (soon) serve them"};
  app.require_subcommand(1);
  CLI::App* rules = app.add_subcommand("rules", "Work with a ruleset offline (no server needed)");
  rules->require_subcommand(1);

  ValidateOptions validate;
  CLI::App* validate_cmd = rules->add_subcommand(
      "validate", "Check every rule file of DIR; print the problems; exit 1 on errors");
  validate_cmd->add_option("DIR", validate.directory, "Rules directory, e.g. config/rules")
      ->required();
  validate_cmd->add_flag("--json", validate.json, "Print the diagnostics as JSON");

  EvalOptions eval;
  CLI::App* eval_cmd = rules->add_subcommand(
      "eval", "Evaluate the ruleset in DIR for a customer and print the decision");
  eval_cmd->add_option("DIR", eval.directory, "Rules directory, e.g. config/rules")->required();
  auto* customer = eval_cmd->add_option("--customer", eval.customer_json,
                                        "The customer as JSON, e.g. '{\"id\":\"1\",\"age\":25,\"consumption\":\"低\"}'");
  auto* customer_file = eval_cmd->add_option("--customer-file", eval.customer_file,
                                             "A file holding the customer as JSON");
  auto* customers_file = eval_cmd->add_option(
      "--customers-file", eval.customers_file, "A JSON lines file: one customer per line");
  customer->excludes(customer_file)->excludes(customers_file);
  customer_file->excludes(customers_file);
  auto* event = eval_cmd->add_option(
      "--event", eval.event_json,
      "Events as JSON: {\"purchase\":{\"amount\":400}}, {\"interaction\":\"好评\"}, "
      "{\"feedback\":{\"product\":\"产品A\",\"text\":\"价格更优惠\"}}");
  event->excludes(eval_cmd->add_option("--event-file", eval.event_file,
                                       "A file holding the events as JSON"));
  eval_cmd->add_option("--today", eval.today, "Evaluate as of this date (YYYY-MM-DD; default: today, UTC)");
  eval_cmd->add_flag("--explain", eval.explain,
                     "Show every rule considered, whether it matched, and the values it saw");
  eval_cmd->add_flag("--json", eval.json, "Print JSON (JSON lines with --customers-file)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }
  if (validate_cmd->parsed()) return RunValidate(validate, std::cout, std::cerr);
  if (eval_cmd->parsed()) return RunEval(eval, std::cout, std::cerr);
  return kExitBadInput;
}
