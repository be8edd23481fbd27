#include "client/cli.h"

#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "client/remote_commands.h"
#include "client/offer_commands.h"
#include "client/rules_commands.h"
#include "client/token_commands.h"

namespace clientele::client {
namespace {

// The command chosen on the command line, to run once parsing succeeded.
struct Chosen {
  std::ostream& out;
  std::ostream& err;
  bool stderr_is_terminal;  // the default of `customers import --progress`
  std::function<int()> run;
};

void AddRemoteOptions(CLI::App* command, RemoteOptions* remote) {
  remote->server = DefaultServer();
  command->add_option("--server", remote->server,
                      "clienteled address HOST:PORT (default: $CLIENTELE_SERVER, else " +
                          std::string(kDefaultServer) + ")");
  command
      ->add_option("--timeout", remote->timeout_seconds,
                   "Deadline of the call in seconds (default 10; 600 for imports, "
                   "evaluate-many and reports segments)")
      ->check(CLI::PositiveNumber);
  command->add_flag("--json", remote->json, "Print JSON: one object per line");
  CLI::Option* token = command->add_option(
      "--token", remote->token,
      "Bearer token (visible to other users in the process list: prefer --token-file or $" +
          std::string(kTokenEnvironmentVariable) + ")");
  command
      ->add_option("--token-file", remote->token_file,
                   "A file whose first line is the token (default: $" +
                       std::string(kTokenEnvironmentVariable) + ", else $" +
                       std::string(kTokenFileEnvironmentVariable) + ")")
      ->excludes(token);
  CLI::Option* tls = command->add_flag("--tls", remote->tls,
                                       "Connect with TLS, trusting the system's CAs (default: $" +
                                           std::string(kTlsEnvironmentVariable) + "=1)");
  command
      ->add_flag("--plaintext", remote->plaintext,
                 "Allow the token in plain text to a host that is not loopback, on a network "
                 "protected otherwise (default: $" +
                     std::string(kPlaintextEnvironmentVariable) + "=1)")
      ->excludes(tls);
  command->add_option("--tls-ca", remote->ca_file,
                      "PEM file of the CA that signed the server's certificate; implies --tls "
                      "(default: $" +
                          std::string(kCaEnvironmentVariable) + ")");
  command->add_option("--tls-cert", remote->cert_file,
                      "PEM client certificate, for servers that require mutual TLS (default: $" +
                          std::string(kCertEnvironmentVariable) + ")");
  command->add_option(
      "--tls-key", remote->key_file,
      "PEM key of --tls-cert (default: $" + std::string(kKeyEnvironmentVariable) + ")");
  command->add_option("--tls-server-name", remote->tls_server_name,
                      "The name to check in the server's certificate when it is not the host "
                      "of --server (default: $" +
                          std::string(kTlsServerNameEnvironmentVariable) + ")");
}

// Adds the subcommand `name` of `parent`; if it is the one given, `run`
// gets its options. The options object lives as long as the command (its
// callback holds it); remote, write and paging options are added when
// Options has `remote`, `key` or `page`.
// The exit of a command whose connection could not be prepared: a
// server's name that does not resolve now is the network's failure
// (UNAVAILABLE), anything else the command line's.
int ConnectionFailed(const absl::Status& status, std::ostream& err) {
  err << "error: " << status.message() << "\n";
  return absl::IsUnavailable(status) ? kExitServerError : kExitBadInput;
}

template <typename Options, typename Run>
CLI::App* AddCommand(CLI::App* parent, const std::string& name, const std::string& help,
                     Chosen* chosen, std::shared_ptr<Options> options, Run run) {
  CLI::App* command = parent->add_subcommand(name, help);
  if constexpr (requires(Options& o) { o.remote; }) AddRemoteOptions(command, &options->remote);
  if constexpr (requires(Options& o) { o.key; }) {
    command->add_option("--key", options->key,
                        "Idempotency key, 1..128 bytes: a retry with the same key changes "
                        "nothing (default: a new random key, printed)");
  }
  if constexpr (requires(Options& o) { o.page; }) {
    command->add_option("--page-size", options->page.page_size, "Entries per page, 1..1000 (default 100)")
        ->check(CLI::Range(1, 1000));
    command->add_option("--page-token", options->page.page_token,
                        "Continue where a previous page ended");
    command->add_flag("--all", options->page.all, "Fetch every page");
  }
  command->callback([chosen, options, run] {
    chosen->run = [chosen, options, run] {
      if constexpr (requires(Options& o) { o.remote; }) {
        if (absl::Status s = PrepareConnection(&options->remote); !s.ok()) {
          return ConnectionFailed(s, chosen->err);
        }
      }
      return run(*options, chosen->out, chosen->err);
    };
  });
  return command;
}

template <typename Options>
std::shared_ptr<Options> New() {
  return std::make_shared<Options>();
}

void AddRulesCommands(CLI::App* app, Chosen* chosen) {
  CLI::App* rules = app->add_subcommand(
      "rules",
      "Rulesets: validate and eval offline; status, reload, watch and versions on the server; "
      "diff of directories (offline) or served versions");
  rules->require_subcommand(1);

  auto validate = New<ValidateOptions>();
  CLI::App* validate_cmd =
      AddCommand(rules, "validate", "Check every rule file of DIR; print the problems; exit 1 on errors",
                 chosen, validate, RunValidate);
  validate_cmd->add_option("DIR", validate->directory, "Rules directory, e.g. config/rules")
      ->required();
  validate_cmd->add_flag("--json", validate->json, "Print the diagnostics as JSON");
  validate_cmd->add_option("--max-work", validate->max_work,
                           "Check against this work limit per evaluation, as the server's "
                           "max_evaluation_work does");

  auto test = New<TestOptions>();
  CLI::App* test_cmd = AddCommand(
      rules, "test",
      "Run the test cases of the ruleset in DIR (files of kind: tests); exit 1 when one fails",
      chosen, test, RunTest);
  test_cmd->add_option("DIR", test->directory, "Rules directory, e.g. config/rules")->required();
  test_cmd->add_flag("--coverage", test->coverage, "Also list the rules that no case matched");
  test_cmd->add_option("--min-coverage", test->min_coverage,
                       "Fail when fewer than PCT % of the rules are matched by some case")
      ->check(CLI::Range(0.0, 100.0));
  test_cmd->add_option("--today", test->today,
                       "Evaluate cases without their own today as of this date (YYYY-MM-DD)");
  test_cmd->add_flag("--json", test->json, "Print the results as JSON");

  auto eval = New<EvalOptions>();
  CLI::App* eval_cmd =
      AddCommand(rules, "eval", "Evaluate the ruleset in DIR for a customer and print the decision",
                 chosen, eval, RunEval);
  eval_cmd->add_option("DIR", eval->directory, "Rules directory, e.g. config/rules")->required();
  auto* customer = eval_cmd->add_option(
      "--customer", eval->customer_json,
      "The customer as JSON, e.g. '{\"id\":\"1\",\"age\":25,\"consumption\":\"低\"}'");
  auto* customer_file = eval_cmd->add_option("--customer-file", eval->customer_file,
                                             "A file holding the customer as JSON");
  auto* customers_file = eval_cmd->add_option("--customers-file", eval->customers_file,
                                              "A JSON lines file: one customer per line");
  customer->excludes(customer_file)->excludes(customers_file);
  customer_file->excludes(customers_file);
  auto* event = eval_cmd->add_option(
      "--event", eval->event_json,
      "Events as JSON: {\"purchase\":{\"amount\":400}}, {\"interaction\":\"好评\"}, "
      "{\"feedback\":{\"product\":\"产品A\",\"text\":\"价格更优惠\"}}");
  event->excludes(
      eval_cmd->add_option("--event-file", eval->event_file, "A file holding the events as JSON"));
  eval_cmd->add_option("--max-work", eval->max_work,
                       "Refuse an evaluation that could take more work units, as the server's "
                       "max_evaluation_work does");
  eval_cmd->add_option("--today", eval->today,
                       "Evaluate as of this date (YYYY-MM-DD; default: today in the ruleset's "
                       "time zone)");
  eval_cmd->add_option("--time", eval->time,
                       "The time of day offers see (HH:MM, in the ruleset's time zone; default: "
                       "now without --today, else none, so offers limited to hours are not given)");
  eval_cmd->add_option("--amount", eval->amount,
                       "A basket's amount that offers' values are computed for (a purchase's own "
                       "amount counts when --event has one)");
  eval_cmd->add_option("--channel", eval->channel,
                       "The channel offers' budgets count in: online or offline (a purchase's own "
                       "counts when --event has one)");
  eval_cmd->add_option("--offers-used", eval->offers_used,
                       "Limits and budgets already used, as JSON: "
                       "'{\"black_friday\":{\"per_customer\":1,\"budget\":{\"redemptions\":4999}}}'");
  eval_cmd->add_flag("--explain", eval->explain,
                     "Show every rule considered, whether it matched, and the values it saw");
  eval_cmd->add_flag("--json", eval->json, "Print JSON (JSON lines with --customers-file)");

  AddCommand(rules, "status",
             "The ruleset the server serves, its reload counts and the last attempt with every "
             "diagnostic; exit 1 when nothing serves or the last reload was rejected",
             chosen, New<RulesStatusOptions>(), RunRulesStatus);
  AddCommand(rules, "reload",
             "Make the server reload its rules directory now; exit 1 when the new files were "
             "rejected (the old version keeps serving)",
             chosen, New<RulesReloadOptions>(), RunRulesReload);
  auto watch = New<RulesWatchOptions>();
  AddCommand(rules, "watch", "Follow the server's rule reloads as they happen (Ctrl-C to stop)",
             chosen, watch, RunRulesWatch)
      ->add_option("--count", watch->count,
                   "Stop after this many messages; the first is the current state (default: never)");
  auto versions = New<RulesVersionsOptions>();
  AddCommand(rules, "versions", "Every ruleset version the server has served, newest first",
             chosen, versions, RunRulesVersions)
      ->add_option("--limit", versions->limit, "At most this many (1..1000, default 100)")
      ->check(CLI::Range(1, 1000));
  auto simulate = New<RulesSimulateOptions>();
  CLI::App* simulate_cmd = AddCommand(
      rules, "simulate",
      "What a candidate ruleset would do to every stored customer if it replaced the served one "
      "(nothing is swapped in or written): segment moves, offers gained and lost, points",
      chosen, simulate, RunRulesSimulate);
  simulate_cmd
      ->add_option("CANDIDATE", simulate->candidate,
                   "A rules directory, or a version the server served (clientele rules versions)")
      ->required();
  simulate_cmd->add_option("--show", simulate->show,
                           "List up to N example customers for each movement (0..100)")
      ->check(CLI::Range(0, 100));
  simulate_cmd->add_option("--today", simulate->today,
                           "Evaluate as of this date (YYYY-MM-DD; default: today, UTC)");
  simulate_cmd->add_option("--purchases-from", simulate->purchases_from,
                           "Replay the purchases made from this day (default: 30 days up to today)");
  simulate_cmd->add_option("--purchases-to", simulate->purchases_to,
                           "... up to this day, included (default: today)");

  auto diff = New<RulesDiffOptions>();
  CLI::App* diff_cmd = AddCommand(
      rules, "diff",
      "What changed from A to B, rule by rule; A and B are rules directories or versions the "
      "server served (clientele rules versions)",
      chosen, diff, RunRulesDiff);
  diff_cmd->add_option("A", diff->before, "The older: a directory or a version")->required();
  diff_cmd->add_option("B", diff->after, "The newer: a directory or a version")->required();
}

void AddDecisionCommands(CLI::App* app, Chosen* chosen) {
  auto evaluate = New<EvaluateOptions>();
  CLI::App* evaluate_cmd =
      AddCommand(app, "evaluate", "Segments, offers and tier of one customer (changes nothing)",
                 chosen, evaluate, RunEvaluate);
  evaluate_cmd->add_option("--customer-id", evaluate->customer_id, "A stored customer")
      ->excludes(evaluate_cmd->add_option(
          "--customer", evaluate->customer_json,
          "A customer given inline as JSON (not stored), e.g. '{\"id\":\"x\",\"age\":25}'"));
  evaluate_cmd->add_flag("--explain", evaluate->explain,
                         "Show every rule considered, whether it matched, and the values it saw");
  evaluate_cmd->add_option("--today", evaluate->today,
                           "Evaluation day YYYY-MM-DD (default: today in the programme's time "
                           "zone)");
  evaluate_cmd->add_option("--time", evaluate->time,
                           "The time of day offers' hours see, HH:MM (default: now without "
                           "--today)");
  evaluate_cmd->add_option("--amount", evaluate->amount,
                           "A basket's amount that offers' values are computed for");
  evaluate_cmd->add_option("--channel", evaluate->channel,
                           "The channel offers' budgets count in: online or offline");

  auto explain = New<ExplainOptions>();
  CLI::App* explain_cmd = AddCommand(
      app, "explain",
      "Why one customer gets its segments, offers and tier, in plain words (changes nothing)",
      chosen, explain, RunExplain);
  explain_cmd->add_option("--customer", explain->customer_id, "A stored customer's id")
      ->excludes(explain_cmd->add_option(
          "--customer-json", explain->customer_json,
          "A customer given inline as JSON (not stored), e.g. '{\"id\":\"x\",\"age\":25}'"));
  explain_cmd->add_option("--today", explain->today,
                          "Evaluation day YYYY-MM-DD (default: today, UTC)");

  auto many = New<EvaluateManyOptions>();
  CLI::App* many_cmd = AddCommand(
      app, "evaluate-many",
      "Decisions of stored customers in id order: all, one segment's, or those listed", chosen,
      many, RunEvaluateMany);
  many_cmd->add_option("--segment", many->segment, "Only this segment: DIMENSION=SEGMENT")
      ->excludes(many_cmd->add_option("--ids", many->ids, "Only these customers: ID,ID,...")
                     ->delimiter(','));
  many_cmd->add_option("--limit", many->limit, "At most this many (default: no limit)")
      ->check(CLI::NonNegativeNumber);
  many_cmd->add_flag("--explain", many->explain, "Explain every decision");
  many_cmd->add_option("--today", many->today, "Evaluation day YYYY-MM-DD (default: today, UTC)");

  auto log = New<DecisionLogOptions>();
  CLI::App* log_cmd = AddCommand(
      app, "decision-log",
      "The server's decision log, newest first: a sample of served decisions, personal fields "
      "masked (role admin; server config decision_log)",
      chosen, log, RunDecisionLog);
  log_cmd->add_option("--customer-id", log->customer_id, "Only this customer's decisions");
  log_cmd->add_option("--version", log->ruleset_version,
                      "Only those of this ruleset version (12 hex digits)");
}

void AddServerCommands(CLI::App* app, Chosen* chosen) {
  auto ping = New<PingOptions>();
  AddCommand(app, "ping", "Measure the round trip to the server", chosen, ping, RunPing)
      ->add_option("--payload", ping->payload, "Bytes to send and get back (0..1024)");

  AddCommand(app, "ruleset", "Show the ruleset the server is serving", chosen,
             New<RulesetOptions>(), RunRuleset);
}

void AddAdminCommands(CLI::App* app, Chosen* chosen) {
  CLI::App* admin = app->add_subcommand("admin", "Administration of the server: backups");
  admin->require_subcommand(1);
  auto backup = New<BackupOptions>();
  CLI::App* backup_cmd = AddCommand(
      admin, "backup",
      "Take a consistent backup of the server's database while it serves, into FILE "
      "(checked, then renamed into place; see docs/operations.md to restore)",
      chosen, backup, RunBackup);
  backup_cmd->add_option("FILE", backup->file, "The backup file to write (on this machine)")
      ->required();
  backup_cmd->add_flag("--force", backup->force, "Replace FILE if it exists");
}

void AddTokenCommands(CLI::App* app, Chosen* chosen) {
  CLI::App* token = app->add_subcommand(
      "token", "Bearer tokens for the server's config (offline: no server needed)");
  token->require_subcommand(1);
  auto made = New<TokenNewOptions>();
  CLI::App* new_cmd = AddCommand(
      token, "new",
      "Make a random token and print it once, with the auth.tokens entry (its SHA-256) for the "
      "server's config",
      chosen, made, RunTokenNew);
  new_cmd->add_option("--name", made->name, "Who will hold it, e.g. crm-backend")->required();
  new_cmd->add_option("--role", made->role, "reader, writer, marketer, approver or admin")
      ->required();
  new_cmd->add_flag("--json", made->json, "Print JSON");
  struct HashOptions {};
  AddCommand(token, "hash", "Print the SHA-256 of the token on standard input, for auth.tokens",
             chosen, New<HashOptions>(),
             [](const HashOptions&, std::ostream& out, std::ostream& err) {
               return RunTokenHash(std::cin, out, err);
             });
}

void AddCustomerCommands(CLI::App* app, Chosen* chosen) {
  CLI::App* customers = app->add_subcommand("customers", "Stored customers");
  customers->require_subcommand(1);

  auto upsert = New<CustomerUpsertOptions>();
  CLI::App* upsert_cmd = AddCommand(customers, "upsert", "Create a customer or replace its profile",
                                    chosen, upsert, RunCustomerUpsert);
  upsert_cmd
      ->add_option("--customer", upsert->customer_json,
                   "The customer as JSON, e.g. '{\"id\":\"c-1\",\"name\":\"张三\",\"age\":25,"
                   "\"consumption\":\"低\"}'")
      ->required();
  upsert_cmd
      ->add_option("--update-mask", upsert->update_mask,
                   "Change only these fields, e.g. name,age; the stored customer keeps the "
                   "others even if another client changed them meanwhile (default: all)")
      ->delimiter(',');

  auto get = New<CustomerGetOptions>();
  AddCommand(customers, "get", "Show a stored customer", chosen, get, RunCustomerGet)
      ->add_option("ID", get->customer_id, "Customer id")
      ->required();

  auto remove = New<CustomerDeleteOptions>();
  AddCommand(customers, "delete", "Delete a customer and everything recorded about it", chosen,
             remove, RunCustomerDelete)
      ->add_option("ID", remove->customer_id, "Customer id")
      ->required();

  auto list = New<CustomerListOptions>();
  AddCommand(customers, "list", "Customers in id order, a page at a time", chosen, list,
             RunCustomerList)
      ->add_option("--segment", list->segment, "Only this segment: DIMENSION=SEGMENT");

  auto import = New<CustomerImportOptions>();
  import->progress = chosen->stderr_is_terminal;
  CLI::App* import_cmd = AddCommand(
      customers, "import",
      "Create or replace the customers of a CSV (header row) or JSON lines file, all or nothing",
      chosen, import, RunCustomerImport);
  import_cmd->add_option("FILE", import->file, "customers.csv, customers.jsonl")->required();
  import_cmd->add_option("--format", import->format, "csv or jsonl (default: by the extension)")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  import_cmd->add_flag("--skip-invalid", import->skip_invalid,
                       "Import the valid customers and list the invalid ones");
  import_cmd->add_flag("--progress", import->progress,
                       "Show progress on stderr (default: when stderr is a terminal)");
}

void AddEventCommands(CLI::App* app, Chosen* chosen) {
  CLI::App* events = app->add_subcommand("events", "Record what customers do");
  events->require_subcommand(1);

  auto purchase = New<PurchaseOptions>();
  CLI::App* purchase_cmd = AddCommand(events, "purchase", "Record a purchase; it earns points",
                                      chosen, purchase, RunPurchase);
  purchase_cmd->add_option("--customer-id", purchase->customer_id, "The buyer")->required();
  purchase_cmd->add_option("--purchase-id", purchase->purchase_id, "Your id of the purchase")
      ->required();
  purchase_cmd->add_option("--amount", purchase->amount, "Decimal amount, e.g. 399.90")->required();
  purchase_cmd->add_option("--product", purchase->product, "e.g. 产品A");
  purchase_cmd->add_option("--channel", purchase->channel, "online, offline or both");
  purchase_cmd->add_option("--date", purchase->date, "Day of the purchase YYYY-MM-DD (default: today)");
  purchase_cmd->add_option("--category", purchase->category,
                           "purchase.category (default: the product's in the catalogue)");
  purchase_cmd->add_option("--offer", purchase->offer_ids,
                           "An offer it redeems (its rule id; repeat for several): the rules "
                           "must give it for this purchase");
  purchase_cmd->add_option("--quantity", purchase->quantity, "Items bought (default 1)")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000}));

  auto taken_back = New<ReturnOptions>();
  CLI::App* return_cmd =
      AddCommand(events, "return", "Take back a purchase: its points, stats and tier are reversed",
                 chosen, taken_back, RunReturn);
  return_cmd->add_option("PURCHASE_ID", taken_back->purchase_id, "As recorded")->required();
  return_cmd->add_option("--kind", taken_back->kind, "return (default) or cancellation")
      ->check(CLI::IsMember({"return", "cancellation"}));

  auto interaction = New<InteractionOptions>();
  CLI::App* interaction_cmd =
      AddCommand(events, "interaction", "Record an interaction such as 好评 or 差评", chosen,
                 interaction, RunInteraction);
  interaction_cmd->add_option("--customer-id", interaction->customer_id, "The customer")->required();
  interaction_cmd->add_option("--text", interaction->text, "e.g. 好评")->required();

  auto custom = New<CustomEventOptions>();
  CLI::App* record_cmd = AddCommand(
      events, "record", "Record an event of a type the rules declare (a review, a referral)",
      chosen, custom, RunCustomEvent);
  record_cmd->add_option("--customer-id", custom->customer_id, "Who did it")->required();
  record_cmd->add_option("--type", custom->type, "An event type of the served rules, e.g. review")
      ->required();
  record_cmd->add_option("--attribute", custom->attributes,
                         "NAME=VALUE, e.g. stars=5 (repeat for each attribute)");
  record_cmd->add_option("--occurred-at", custom->occurred_at,
                         "When, RFC 3339, e.g. 2026-11-20T10:30:00+08:00 (default: now)");

  auto feedback = New<FeedbackOptions>();
  CLI::App* feedback_cmd =
      AddCommand(events, "feedback", "Record feedback about a product; see what it proposes",
                 chosen, feedback, RunFeedback);
  feedback_cmd->add_option("--product", feedback->product, "e.g. 产品A")->required();
  feedback_cmd->add_option("--text", feedback->text, "What the customer said")->required();
  feedback_cmd->add_option("--customer-id", feedback->customer_id, "Who said it (default: anonymous)");
  feedback_cmd->add_option("--source", feedback->source, "survey, phone, face_to_face or online");
  feedback_cmd->add_option("--satisfaction", feedback->satisfaction, "1..5, up to 2 decimals");
  feedback_cmd->add_option("--date", feedback->date, "Day it was given YYYY-MM-DD (default: today)");
}

void AddPointsCommands(CLI::App* app, Chosen* chosen) {
  CLI::App* points = app->add_subcommand("points", "A customer's points: balances, redemptions");
  points->require_subcommand(1);

  auto show = New<PointsShowOptions>();
  CLI::App* show_cmd = AddCommand(
      points, "show", "Balance, available, pending, lifetime, owed, upcoming expiries, redemptions",
      chosen, show, RunPointsShow);
  show_cmd->add_option("CUSTOMER_ID", show->customer_id, "Customer id")->required();
  show_cmd->add_option("--redemptions", show->redemptions, "Latest redemptions to list (default 10)")
      ->check(CLI::Range(1, 100));

  auto redeem = New<PointsRedeemOptions>();
  CLI::App* redeem_cmd = AddCommand(points, "redeem",
                                    "Spend available points, those expiring first", chosen,
                                    redeem, RunPointsRedeem);
  redeem_cmd->add_option("--customer-id", redeem->customer_id, "Whose points")->required();
  redeem_cmd->add_option("--points", redeem->points, "How many, 1..1000000000")
      ->required()
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000'000}));
  redeem_cmd->add_option("--reason", redeem->reason, "Why, e.g. \"voucher 20 yuan\"");
  redeem_cmd->add_option("--reference", redeem->reference, "Your reference, e.g. an order id");

  auto reverse = New<PointsReverseOptions>();
  CLI::App* reverse_cmd = AddCommand(
      points, "reverse", "Give a redemption's points back, with their original expiry", chosen,
      reverse, RunPointsReverse);
  reverse_cmd->add_option("REDEMPTION_ID", reverse->redemption_id, "As redeem printed it")
      ->required()
      ->check(CLI::PositiveNumber);
  reverse_cmd->add_option("--reason", reverse->reason, "Why, e.g. \"order 1001 cancelled\"");
}

void AddOfferCommands(CLI::App* app, Chosen* chosen) {
  CLI::App* offers = app->add_subcommand(
      "offers", "Campaigns: redeem offers, give them back, the offers' calendar");
  offers->require_subcommand(1);
  auto calendar = New<OfferCalendarOptions>();
  CLI::App* calendar_cmd = AddCommand(
      offers, "calendar",
      "Which offers of DIR (or of the server's ruleset) are live on which days, and which keep "
      "which out when both apply",
      chosen, calendar,
      [](const OfferCalendarOptions& options, std::ostream& out, std::ostream& err) {
        if (!options.directory.empty()) return RunOfferCalendar(options, out, err);
        OfferCalendarOptions served = options;
        if (absl::Status s = PrepareConnection(&served.server); !s.ok()) {
          return ConnectionFailed(s, err);
        }
        return RunServedOfferCalendar(served, out, err);
      });
  AddRemoteOptions(calendar_cmd, &calendar->server);
  calendar_cmd->add_option("DIR", calendar->directory,
                           "Rules directory, e.g. config/rules (default: ask the server)");
  calendar_cmd->add_option("--from", calendar->from, "First day, YYYY-MM-DD")->required();
  calendar_cmd->add_option("--to", calendar->to, "Last day, YYYY-MM-DD (at most 366 days on)")
      ->required();

  auto redeem = New<OfferRedeemOptions>();
  CLI::App* redeem_cmd = AddCommand(
      offers, "redeem", "Redeem an offer the rules give, within its limits and budget", chosen,
      redeem, RunOfferRedeem);
  redeem_cmd->add_option("--customer-id", redeem->customer_id, "Who redeems it")->required();
  redeem_cmd->add_option("--offer-id", redeem->offer_id, "The offer's rule id")->required();
  redeem_cmd->add_option("--amount", redeem->amount, "The basket's amount its value is for");
  redeem_cmd->add_option("--purchase-id", redeem->purchase_id,
                         "A recorded purchase it is for (its return gives it back)");
  redeem_cmd->add_option("--channel", redeem->channel, "online or offline (a budget's channel)");
  redeem_cmd->add_option("--reference", redeem->reference, "Your reference, e.g. an order id");

  auto reverse = New<OfferReverseOptions>();
  CLI::App* reverse_cmd = AddCommand(
      offers, "reverse", "Give a redemption back to its customer's limit and the budget", chosen,
      reverse, RunOfferReverse);
  reverse_cmd->add_option("REDEMPTION_ID", reverse->redemption_id, "As redeem printed it")
      ->required()
      ->check(CLI::PositiveNumber);
  reverse_cmd->add_option("--reason", reverse->reason, "Why, e.g. \"order 1001 cancelled\"");

  auto redemptions = New<OfferRedemptionsOptions>();
  CLI::App* redemptions_cmd =
      AddCommand(offers, "redemptions", "A customer's offer redemptions, newest first", chosen,
                 redemptions, RunOfferRedemptions);
  redemptions_cmd->add_option("CUSTOMER_ID", redemptions->customer_id, "Customer id")->required();
  redemptions_cmd->add_option("--limit", redemptions->limit, "At most this many (default 100)")
      ->check(CLI::Range(1, 1000));
}

void AddTierCommands(CLI::App* app, Chosen* chosen) {
  CLI::App* tier = app->add_subcommand("tier", "A customer's tier: its history, tiers set by hand");
  tier->require_subcommand(1);

  auto history = New<TierHistoryOptions>();
  CLI::App* history_cmd =
      AddCommand(tier, "history", "The stored tier, what the rules give, and every change", chosen,
                 history, RunTierHistory);
  history_cmd->add_option("CUSTOMER_ID", history->customer_id, "Customer id")->required();
  history_cmd->add_option("--limit", history->limit, "Changes to list (default 100)")
      ->check(CLI::Range(1, 1000));

  auto set = New<TierSetOptions>();
  CLI::App* set_cmd = AddCommand(tier, "set", "Set a tier by hand until a day; the rules keep it",
                                 chosen, set, RunTierSet);
  set_cmd->add_option("CUSTOMER_ID", set->customer_id, "Customer id")->required();
  set_cmd->add_option("--tier", set->tier, "A tier of the served ruleset")->required();
  set_cmd->add_option("--until", set->until, "Its last day, YYYY-MM-DD")->required();
  set_cmd->add_option("--reason", set->reason, "Why (kept in the history and audit trail)")
      ->required();
  set_cmd->add_option("--actor", set->actor, "Who decided");

  auto end = New<TierSetOptions>();
  CLI::App* end_cmd = AddCommand(tier, "end", "End a manual tier now: the rules decide again",
                                 chosen, end, RunTierSet);
  end_cmd->add_option("CUSTOMER_ID", end->customer_id, "Customer id")->required();
  end_cmd->add_option("--reason", end->reason, "Why")->required();
  end_cmd->add_option("--actor", end->actor, "Who decided");
}

void AddImprovementCommands(CLI::App* app, Chosen* chosen) {
  CLI::App* products = app->add_subcommand("products", "Products and their attributes");
  products->require_subcommand(1);
  auto upsert = New<ProductUpsertOptions>();
  CLI::App* upsert_cmd = AddCommand(products, "upsert", "Create a product or replace its attributes",
                                    chosen, upsert, RunProductUpsert);
  upsert_cmd->add_option("PRODUCT", upsert->product, "e.g. 产品A")->required();
  upsert_cmd->add_option("-a,--attribute", upsert->attributes, "NAME=VALUE, e.g. 价格=100 (repeat)");
  upsert_cmd->add_option("--category", upsert->category,
                         "e.g. electronics: purchase.category in earning rules");
  auto get = New<ProductGetOptions>();
  AddCommand(products, "get", "Show a product", chosen, get, RunProductGet)
      ->add_option("PRODUCT", get->product, "e.g. 产品A")
      ->required();

  CLI::App* improvements =
      app->add_subcommand("improvements", "Improvement actions proposed by feedback");
  improvements->require_subcommand(1);
  auto list = New<ImprovementListOptions>();
  CLI::App* list_cmd = AddCommand(improvements, "list", "Actions, newest first, with their evidence",
                                  chosen, list, RunImprovementList);
  list_cmd->add_option("--product", list->product, "Only this product's");
  list_cmd->add_option("--status", list->status, "proposed, applied or dismissed")
      ->check(CLI::IsMember({"proposed", "applied", "dismissed"}));

  const char* user = std::getenv("USER");
  for (const bool apply : {true, false}) {
    auto decide = New<ImprovementDecideOptions>();
    decide->actor = user != nullptr ? user : "";
    CLI::App* decide_cmd = AddCommand(
        improvements, apply ? "apply" : "dismiss",
        apply ? "Apply a proposed action: make its change to the product (audited)"
              : "Dismiss a proposed action; the product stays as it is (audited)",
        chosen, decide, [apply](const ImprovementDecideOptions& o, std::ostream& out, std::ostream& err) {
          return RunImprovementDecide(apply, o, out, err);
        });
    decide_cmd->add_option("ACTION_ID", decide->action_id, "From improvements list")->required();
    decide_cmd->add_option("--actor", decide->actor, "Who decides (default: $USER)");
    decide_cmd->add_option("--note", decide->note, "Why");
  }
}

void AddTaskCommands(CLI::App* app, Chosen* chosen) {
  CLI::App* tasks = app->add_subcommand("tasks", "Tasks the rules give people for customers");
  tasks->require_subcommand(1);
  auto list = New<TaskListOptions>();
  CLI::App* list_cmd = AddCommand(tasks, "list", "Tasks, newest first, with what the rules saw",
                                  chosen, list, RunTaskList);
  list_cmd->add_option("--status", list->status, "open, claimed or closed")
      ->check(CLI::IsMember({"open", "claimed", "closed"}));
  list_cmd->add_option("--queue", list->queue, "Only this queue's, e.g. customer_care");
  list_cmd->add_option("--customer-id", list->customer_id, "Only this customer's");
  const char* user = std::getenv("USER");
  for (const bool close : {false, true}) {
    auto change = New<TaskChangeOptions>();
    change->actor = user != nullptr ? user : "";
    CLI::App* change_cmd = AddCommand(
        tasks, close ? "close" : "claim",
        close ? "Close a task with what came of it (audited)" : "Take an open task (audited)",
        chosen, change, [close](const TaskChangeOptions& o, std::ostream& out, std::ostream& err) {
          return RunTaskChange(close, o, out, err);
        });
    change_cmd->add_option("TASK_ID", change->task_id, "From tasks list")->required();
    change_cmd->add_option("--actor", change->actor, "Who (default: $USER)");
    if (close) change_cmd->add_option("--outcome", change->outcome, "What came of it");
  }
  auto watch = New<TaskWatchOptions>();
  CLI::App* watch_cmd = AddCommand(
      tasks, "watch", "Follow the tasks as writes open, claim and close them (Ctrl-C to stop)",
      chosen, watch, RunTaskWatch);
  watch_cmd->add_option("--queue", watch->queue, "Only this queue's");
  watch_cmd->add_option("--customer-id", watch->customer_id, "Only this customer's");
  watch_cmd->add_option("--count", watch->count,
                        "Stop after this many tasks, those open at the start included "
                        "(default: never)");
}

void AddSegmentCommands(CLI::App* app, Chosen* chosen) {
  CLI::App* segments =
      app->add_subcommand("segments", "Stored segments: who is in which, and who moved");
  segments->require_subcommand(1);
  auto show = New<SegmentShowOptions>();
  CLI::App* show_cmd =
      AddCommand(segments, "show", "A customer's stored segments", chosen, show, RunSegmentShow);
  show_cmd->add_option("--customer-id", show->customer_id, "The customer")->required();
  auto members = New<SegmentMembersOptions>();
  CLI::App* members_cmd = AddCommand(segments, "members", "The customers of one stored segment",
                                     chosen, members, RunSegmentMembers);
  members_cmd->add_option("--dimension", members->dimension, "The dimension")->required();
  members_cmd->add_option("--segment", members->segment, "The segment")->required();
  auto refresh = New<SegmentRefreshOptions>();
  AddCommand(segments, "refresh",
             "Recompute RFM quantiles and every customer's segments now (admin)", chosen, refresh,
             RunSegmentRefresh);
  auto watch = New<SegmentWatchOptions>();
  CLI::App* watch_cmd = AddCommand(
      segments, "watch", "Follow customers entering and leaving segments (Ctrl-C to stop)", chosen,
      watch, RunSegmentWatch);
  watch_cmd->add_option("--dimension", watch->dimension, "Only this dimension's moves");
  watch_cmd->add_option("--segment", watch->segment, "Only moves into or out of this segment");
  watch_cmd->add_option("--customer-id", watch->customer_id, "Only this customer's moves");
  watch_cmd->add_option("--after", watch->after,
                        "First the stored moves after this sequence (0: all kept), to resume");
  watch_cmd->add_option("--count", watch->count, "Stop after this many moves (default: never)");

  CLI::App* rfm = app->add_subcommand("rfm", "RFM scores (an rfm file)");
  rfm->require_subcommand(1);
  auto rfm_show = New<RfmShowOptions>();
  CLI::App* rfm_show_cmd = AddCommand(
      rfm, "show", "How the served rules score RFM, the quantiles, and a customer's scores", chosen,
      rfm_show, RunRfmShow);
  rfm_show_cmd->add_option("--customer-id", rfm_show->customer_id, "Also this customer's scores");
}

void AddReportCommands(CLI::App* app, Chosen* chosen) {
  CLI::App* reports = app->add_subcommand("reports", "Reports over the stored data");
  reports->require_subcommand(1);
  auto segments = New<SegmentReportOptions>();
  CLI::App* segments_cmd = AddCommand(reports, "segments", "How many customers each segment holds",
                                      chosen, segments, RunSegmentReport);
  segments_cmd->add_option("--dimension", segments->dimension, "Only this dimension");
  segments_cmd->add_option("--today", segments->today, "Evaluation day YYYY-MM-DD (default: today)");

  auto feedback = New<FeedbackReportOptions>();
  CLI::App* feedback_cmd =
      AddCommand(reports, "feedback",
                 "Per product: feedback, satisfaction, expectations, themes, monthly trend", chosen,
                 feedback, RunFeedbackReport);
  feedback_cmd->add_option("--product", feedback->product, "Only this product");
  feedback_cmd->add_option("--since", feedback->since, "Only feedback given on or after YYYY-MM-DD");
  feedback_cmd->add_option("--top", feedback->top, "Expectations and themes per product (default 5)")
      ->check(CLI::Range(1, 100));

  auto offer_report = New<OfferReportOptions>();
  CLI::App* offer_report_cmd = AddCommand(
      reports, "offers",
      "Per offer: redemptions and value per day and in total, and what is left of its budgets",
      chosen, offer_report, RunOfferReport);
  offer_report_cmd->add_option("--from", offer_report->from,
                               "First day YYYY-MM-DD (default: 30 days before --to)");
  offer_report_cmd->add_option("--to", offer_report->to, "Last day YYYY-MM-DD (default: today)");
  offer_report_cmd->add_option("--offer-id", offer_report->offer_id, "Only this offer");

  auto ledger = New<LedgerOptions>();
  AddCommand(reports, "ledger", "A customer's points ledger, oldest first", chosen, ledger, RunLedger)
      ->add_option("CUSTOMER_ID", ledger->customer_id, "Customer id")
      ->required();
}

}  // namespace

int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
           bool stderr_is_terminal) {
  CLI::App app{"clientele: customer rules — check and try them offline, or work with a server"};
  app.require_subcommand(1);
  Chosen chosen{out, err, stderr_is_terminal, nullptr};
  AddRulesCommands(&app, &chosen);
  AddCustomerCommands(&app, &chosen);
  AddEventCommands(&app, &chosen);
  AddPointsCommands(&app, &chosen);
  AddTierCommands(&app, &chosen);
  AddOfferCommands(&app, &chosen);
  AddDecisionCommands(&app, &chosen);
  AddImprovementCommands(&app, &chosen);
  AddTaskCommands(&app, &chosen);
  AddSegmentCommands(&app, &chosen);
  AddReportCommands(&app, &chosen);
  AddServerCommands(&app, &chosen);
  AddAdminCommands(&app, &chosen);
  AddTokenCommands(&app, &chosen);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  if (chosen.run == nullptr) return kExitBadInput;
  return chosen.run();
}

}  // namespace clientele::client
