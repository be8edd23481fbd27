// RFM scores: recency, frequency and monetary value of a customer's
// purchases, each scored 1 (worst) to 5 (best), as rules read them
// (rfm.r, rfm.f, rfm.m; docs/rules.md, "RFM scores").
//
// A ruleset's rfm file (RfmModel) says, for each measure, the four cut
// points between the five scores, or that they are quantiles over the
// stored customers, which the server computes on a schedule and on demand
// (RfmQuantiles, built by RfmQuantileBuilder) and stores with the time
// computed. A customer's scores follow from its measures and the cut
// points whenever it is read (ScoreRfm), so that a purchase moves its
// recency at once.
//
// Plain values and functions; RfmQuantileBuilder is not thread-safe (give
// each thread its own and Merge them).
#ifndef CLIENTELE_RULES_RFM_H_
#define CLIENTELE_RULES_RFM_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/customer.h"
#include "rules/decimal.h"

namespace clientele::rules {

enum class RfmMeasure : uint8_t { kRecency, kFrequency, kMonetary };
inline constexpr std::array<RfmMeasure, 3> kRfmMeasures = {
    RfmMeasure::kRecency, RfmMeasure::kFrequency, RfmMeasure::kMonetary};

// "recency", "frequency", "monetary".
std::string_view RfmMeasureName(RfmMeasure measure);

// The cut points of one measure, ascending, at most four: a customer
// scores 1 plus how many of them its value reaches. Recency reaches a cut
// point when the days since its last purchase are at most the cut point
// (so the smallest cut point is score 5's); frequency and monetary when
// their value is at least it. Monetary in Decimal units. Fewer than four
// (quantiles over few or equal values) leave the top scores unreachable.
using RfmCutPoints = std::vector<int64_t>;

// What the scores are computed from, for one customer on one day.
struct RfmValues {
  int64_t recency_days = -1;  // days since the last purchase; -1: never bought
  int64_t purchases = 0;      // in the model's window, less those returned
  Decimal spent;              // what they came to
  auto operator<=>(const RfmValues&) const = default;
};

struct RfmMeasureSpec {
  bool quantiles = false;  // the cut points are the stored customers' quintiles
  RfmCutPoints cuts;       // else these four, strictly ascending
};

// The rfm file of a ruleset.
struct RfmModel {
  // Frequency and monetary count the purchases of the last window_days
  // days, today included (the customer's history rows).
  int32_t window_days = 365;
  RfmMeasureSpec recency;
  RfmMeasureSpec frequency;
  RfmMeasureSpec monetary;

  const RfmMeasureSpec& Spec(RfmMeasure measure) const;
  bool UsesQuantiles() const;
};

// The quintile cut points of the stored customers, as the server last
// computed them for a window.
struct RfmQuantiles {
  int32_t window_days = 0;
  RfmCutPoints recency;
  RfmCutPoints frequency;
  RfmCutPoints monetary;
  int64_t customers = 0;        // how many customers they were computed over
  std::string computed_at;      // RFC 3339 UTC
  std::string ruleset_version;  // the version served then

  const RfmCutPoints& Of(RfmMeasure measure) const;
};

// The customer's measures on `today` from its last purchase day (the
// record's last_purchase_at, or a later purchase of its history, on or
// before today) and its history rows (kPurchases, kSpent) of the window's
// days.
RfmValues MeasureRfm(const Customer& customer, int32_t window_days, Date today);

// The score of one measure, 1..5, for `values` and `cuts`.
int32_t RfmScore(RfmMeasure measure, const RfmCutPoints& cuts, const RfmValues& values);

// The cut points a measure is scored with: the model's own, or the
// quantiles' (when computed for the model's window); nullptr when the
// measure takes quantiles and none are given for its window.
const RfmCutPoints* RfmCutsOf(const RfmModel& model, RfmMeasure measure,
                              const RfmQuantiles* quantiles);

// Sets the customer's rfm_r, rfm_f and rfm_m that are 0 (not given) from
// its measures on `today` and the cut points (RfmCutsOf); a measure
// without cut points stays 0. Scores given already (a rule test's
// customer) are kept.
void ScoreRfm(const RfmModel& model, const RfmQuantiles* quantiles, Date today, Customer* customer);

// Collects customers' measures and computes their quintile cut points.
class RfmQuantileBuilder {
 public:
  void Add(const RfmValues& values);
  // Adds another builder's values.
  void Merge(RfmQuantileBuilder&& other);
  int64_t customers() const { return static_cast<int64_t>(frequency_.size()); }
  // The cut points of each measure: cut point k (1..4) is the lowest value
  // above the values of at least k fifths of the customers, so customers
  // with equal values score the same and those who never bought score 1.
  // Sets window_days and customers; the caller sets the rest.
  RfmQuantiles Build(int32_t window_days);

 private:
  // Each measure as a goodness, higher better (recency: minus the days).
  std::vector<int64_t> recency_;
  std::vector<int64_t> frequency_;
  std::vector<int64_t> monetary_;
};

// "30, 90, 180, 365" (monetary as decimals); "none" when empty.
std::string FormatRfmCuts(RfmMeasure measure, const RfmCutPoints& cuts);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_RFM_H_
