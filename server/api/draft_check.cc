// DraftsApi::CheckDraft: every check a draft must pass before it is
// published, and what the change means (rules changed, cost in money).
// The steps that gate publishing are the load, the tests on every day
// that matters and the simulation; the diff and the cost inform.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/strings.h"
#include "rules/change_cost.h"
#include "rules/diff.h"
#include "rules/rule_tests.h"
#include "server/api/conversion.h"
#include "server/api/draft_rulesets.h"
#include "server/api/drafts.h"
#include "server/api/requests.h"
#include "server/api/ruleset_simulation.h"
#include "server/api/serving.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation
using rules::Date;

namespace {

// Campaign days beyond this many are not tested: a ruleset with more
// dated offers is tested on the first ones by date.
constexpr size_t kMaxCampaignDays = 24;

// The days the tests run on, each with why: the check's day, then each
// campaign's first and last day (those after the check's day and those
// before alike: a test of a campaign that has ended still says what it
// did), by date. Past kMaxCampaignDays, the days to come are kept first,
// then the latest past ones; *left_out counts the others.
std::vector<std::pair<Date, std::string>> TestDays(const rules::RuleSet& ruleset, Date today,
                                                   size_t* left_out) {
  std::map<Date, std::vector<std::string>> reasons;
  for (const rules::RuleSet::OfferTerms& terms : ruleset.OfferTermsList()) {
    if (terms.valid_from.known()) reasons[terms.valid_from].push_back(terms.id + " starts");
    if (terms.valid_until.known()) reasons[terms.valid_until].push_back(terms.id + " ends");
  }
  std::vector<std::pair<Date, std::string>> days = {{today, "today"}};
  if (auto same = reasons.find(today); same != reasons.end()) {
    days[0].second = StrCat("today, ", StrJoin(same->second, ", "));
    reasons.erase(same);
  }
  std::vector<std::pair<Date, std::string>> campaign;
  for (auto it = reasons.lower_bound(today); it != reasons.end(); ++it) {
    campaign.emplace_back(it->first, StrJoin(it->second, ", "));
  }
  for (auto it = std::make_reverse_iterator(reasons.lower_bound(today)); it != reasons.rend();
       ++it) {
    campaign.emplace_back(it->first, StrJoin(it->second, ", "));
  }
  *left_out = campaign.size() > kMaxCampaignDays ? campaign.size() - kMaxCampaignDays : 0;
  campaign.resize(std::min(campaign.size(), kMaxCampaignDays));
  std::sort(campaign.begin(), campaign.end());
  days.insert(days.end(), campaign.begin(), campaign.end());
  return days;
}

int ErrorCount(const std::vector<rules::Diagnostic>& diagnostics) {
  return static_cast<int>(std::count_if(
      diagnostics.begin(), diagnostics.end(),
      [](const rules::Diagnostic& d) { return d.severity == rules::Severity::kError; }));
}

void AddStep(std::string_view name, bool passed, std::string summary, v1::DraftCheck* out) {
  v1::DraftCheckStep* step = out->add_steps();
  step->set_name(std::string(name));
  step->set_passed(passed);
  step->set_summary(std::move(summary));
}

void CheckLoad(const rules::LoadResult& loaded, v1::DraftCheck* out) {
  for (const rules::Diagnostic& d : loaded.diagnostics)
    DiagnosticToProto(d, out->add_diagnostics());
  const int errors = ErrorCount(loaded.diagnostics);
  const int warnings = static_cast<int>(loaded.diagnostics.size()) - errors;
  if (loaded.ok()) {
    out->set_version(loaded.ruleset->version());
    AddStep(
        "loads", true,
        StrCat(
            "loads as version ", loaded.ruleset->version(),
            warnings == 0 ? "" : StrCat(", with ", warnings, " warning", warnings == 1 ? "" : "s")),
        out);
    return;
  }
  const auto first = std::find_if(
      loaded.diagnostics.begin(), loaded.diagnostics.end(),
      [](const rules::Diagnostic& d) { return d.severity == rules::Severity::kError; });
  AddStep("loads", false,
          StrCat(errors, errors == 1 ? " error" : " errors", "; first: ", first->file, ":",
                 first->line, ": ", first->message),
          out);
}

void CheckTests(const rules::RuleSet& ruleset, Date today, v1::DraftCheck* out) {
  int failed_days = 0;
  int cases = 0;
  std::string first_failure;
  size_t left_out = 0;
  for (const auto& [day, why] : TestDays(ruleset, today, &left_out)) {
    const rules::RuleTestReport report = rules::RunRuleTests(ruleset, {.today = day});
    v1::DraftTestRun* run = out->add_tests();
    run->set_day(day.ToString());
    run->set_why(why);
    run->set_passed(report.passed());
    run->set_failed(report.failed());
    for (const rules::Diagnostic& d : rules::RuleTestDiagnostics(report)) {
      if (d.severity == rules::Severity::kError) DiagnosticToProto(d, run->add_failures());
    }
    cases = std::max(cases, report.passed() + report.failed());
    if (!report.ok()) {
      ++failed_days;
      if (first_failure.empty()) first_failure = StrCat(day.ToString(), " (", why, ")");
    }
  }
  const int days = out->tests_size();
  const std::string untested =
      left_out == 0 ? ""
                    : StrCat(" (", left_out, " more campaign days not tested: at most ",
                             kMaxCampaignDays, ", the coming ones first, then the latest)");
  if (failed_days == 0) {
    AddStep("tests", true,
            StrCat(cases, cases == 1 ? " case passes" : " cases pass", " on ", days,
                   days == 1 ? " day" : " days", untested),
            out);
  } else {
    AddStep("tests", false,
            StrCat("failing on ", failed_days, " of ", days, days == 1 ? " day" : " days",
                   "; first on ", first_failure, untested),
            out);
  }
}

void CheckSimulation(const v1::SimulateRulesetResponse& simulation, v1::DraftCheck* out) {
  int64_t gained = 0;
  int64_t lost = 0;
  for (const v1::OfferSimulation& offer : simulation.offers()) {
    gained += offer.gained();
    lost += offer.lost();
  }
  int64_t moved = simulation.tiers().customers_moved();
  for (const v1::DimensionSimulation& d : simulation.dimensions()) moved += d.customers_moved();
  std::string summary = StrCat(simulation.customers(), " customers: ", moved,
                               " segment or tier moves, offers +", gained, " −", lost);
  if (simulation.evaluation_errors() > 0) {
    AddStep("simulation", false,
            StrCat(summary, "; ", simulation.evaluation_errors(),
                   " customers could not be evaluated: ", simulation.first_error()),
            out);
    return;
  }
  AddStep("simulation", true, std::move(summary), out);
}

std::string_view ChangeKindName(rules::RuleChange::Kind kind) {
  switch (kind) {
    case rules::RuleChange::Kind::kAdded:
      return "added";
    case rules::RuleChange::Kind::kRemoved:
      return "removed";
    case rules::RuleChange::Kind::kChanged:
      return "changed";
  }
  return "changed";
}

void DiffAgainst(const std::vector<rules::RuleSource>& served, const DraftRecord& draft,
                 v1::DraftCheck* out) {
  const rules::RuleSetDiff diff = rules::DiffRuleSources(served, draft.files);
  for (const rules::RuleChange& change : diff.changes) {
    v1::DraftRuleChange* shown = out->add_changes();
    shown->set_kind(std::string(ChangeKindName(change.kind)));
    shown->set_rule(change.rule);
    shown->set_file(change.file);
    for (const std::string& detail : change.details) shown->add_details(detail);
  }
  out->set_changes_text(rules::FormatRuleSetDiff(diff));
}

// Each offer's redemptions from `from` to `to` (everyone's, every
// channel), by the offer's name as decisions show it: the served rules'
// name for its id, else the draft's.
absl::StatusOr<std::map<std::string, int64_t, std::less<>>> RedemptionsByOffer(
    Store& store, const rules::RuleSet& serving, const rules::RuleSet& candidate, Date from,
    Date to) {
  OfferUsageQuery query;
  query.since = from;
  query.until = to;
  absl::StatusOr<std::vector<OfferUsageRow>> rows = store.OfferUsage(query);
  if (!rows.ok()) return rows.status();
  std::map<std::string, std::string, std::less<>> names;
  for (const rules::RuleSet* ruleset : {&candidate, &serving}) {  // the served name wins
    for (const rules::RuleSet::OfferTerms& terms : ruleset->OfferTermsList()) {
      names[terms.id] = terms.offer;
    }
  }
  std::map<std::string, int64_t, std::less<>> redemptions;
  for (const OfferUsageRow& row : *rows) {
    if (!row.customer_id.empty() || !row.day.known() || row.day < from || to < row.day) continue;
    const auto name = names.find(row.offer_id);
    redemptions[name == names.end() ? row.offer_id : name->second] += row.redemptions;
  }
  return redemptions;
}

void VersionCostToProto(const rules::VersionCost& cost, v1::VersionCost* out) {
  out->set_points(cost.points);
  if (cost.point_value) out->set_point_value(cost.point_value->ToString());
  if (cost.points_money) out->set_points_money(cost.points_money->ToString());
  out->set_discounts_money(cost.discounts_money.ToString());
  out->set_total(cost.total.ToString());
}

void CostToProto(const rules::ChangeCost& cost, const SimulationPeriod& period,
                 v1::ChangeCost* out) {
  out->set_period_from(period.purchases_from.ToString());
  out->set_period_to(period.purchases_to.ToString());
  VersionCostToProto(cost.before, out->mutable_before());
  VersionCostToProto(cost.after, out->mutable_after());
  out->set_difference(cost.difference.ToString());
  for (const rules::OfferCost& offer : cost.offers) {
    v1::OfferCost* shown = out->add_offers();
    shown->set_offer(offer.offer);
    shown->set_customers_before(offer.customers_before);
    shown->set_customers_after(offer.customers_after);
    shown->set_worth_before(offer.worth_before.ToString());
    shown->set_worth_after(offer.worth_after.ToString());
    shown->set_redemption_rate(offer.redemption_rate.ToString());
    shown->set_basis(offer.basis);
    shown->set_money_before(offer.money_before.ToString());
    shown->set_money_after(offer.money_after.ToString());
  }
  for (const std::string& note : cost.notes) out->add_notes(note);
}

}  // namespace

absl::Status DraftsApi::PriceChange(const rules::SimulationReport& simulation,
                                    const rules::RuleSet& serving, const rules::RuleSet& candidate,
                                    const SimulationPeriod& period, v1::ChangeCost* out) const {
  absl::StatusOr<std::map<std::string, int64_t, std::less<>>> redemptions =
      RedemptionsByOffer(*store_, serving, candidate, period.purchases_from, period.purchases_to);
  if (!redemptions.ok()) return redemptions.status();
  CostToProto(rules::EstimateChangeCost(simulation, serving.point_value(), candidate.point_value(),
                                        *redemptions),
              period, out);
  return absl::OkStatus();
}

absl::Status DraftsApi::CheckDraft(const v1::CheckDraftRequest& request, v1::DraftCheck* response) {
  if (absl::Status s = CheckDraftId(request.id()); !s.ok()) return s;
  absl::StatusOr<SimulationPeriod> period =
      ParseSimulationPeriod(request.today(), request.purchases_from(), request.purchases_to(),
                            request.examples(), today_());
  if (!period.ok()) return period.status();
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  absl::StatusOr<DraftRecord> draft = FindExistingDraft(*store_, request.id());
  if (!draft.ok()) return draft.status();
  absl::StatusOr<RulesetVersionRecord> served_files =
      FindServedVersion(*store_, served->ruleset->version());
  if (!served_files.ok()) return served_files.status();

  response->Clear();
  DraftSummaryToProto(*draft, response->mutable_summary());
  response->set_serving_version(served->ruleset->version());
  const rules::LoadResult loaded = LoadDraftFiles(*draft, *reloader_);
  CheckLoad(loaded, response);
  if (loaded.ok()) {
    CheckTests(*loaded.ruleset, period->today, response);
    absl::StatusOr<rules::SimulationReport> simulation = SimulateCandidate(
        *store_, served->ruleset, loaded, *period, response->mutable_simulation());
    if (!simulation.ok()) return simulation.status();
    if (absl::Status s = PriceChange(*simulation, *served->ruleset, *loaded.ruleset, *period,
                                     response->mutable_cost());
        !s.ok()) {
      return s;
    }
    CheckSimulation(response->simulation(), response);
  } else {
    AddStep("tests", false, "not run: the draft does not load", response);
    AddStep("simulation", false, "not run: the draft does not load", response);
  }
  DiffAgainst(served_files->files, *draft, response);
  response->set_passed(std::all_of(response->steps().begin(), response->steps().end(),
                                   [](const v1::DraftCheckStep& step) { return step.passed(); }));
  return absl::OkStatus();
}

}  // namespace clientele::server
