#include "rules/rfm.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "common/strings.h"
#include "rules/history.h"

namespace clientele::rules {
namespace {

constexpr int kScores = 5;

// The one of three values, one per measure, that `measure` names.
template <typename T>
const T& OfMeasure(RfmMeasure measure, const T& recency, const T& frequency, const T& monetary) {
  switch (measure) {
    case RfmMeasure::kRecency:
      return recency;
    case RfmMeasure::kFrequency:
      return frequency;
    case RfmMeasure::kMonetary:
      break;
  }
  return monetary;
}

// The measure as a goodness, higher better; never bought is the worst recency.
int64_t Goodness(RfmMeasure measure, const RfmValues& values) {
  switch (measure) {
    case RfmMeasure::kRecency:
      return values.recency_days < 0 ? std::numeric_limits<int64_t>::min() : -values.recency_days;
    case RfmMeasure::kFrequency:
      return values.purchases;
    case RfmMeasure::kMonetary:
      return values.spent.units();
  }
  return 0;
}

// Cut point k of `goodness` (sorted ascending): the lowest value above at
// least k fifths of them; none when no value is.
RfmCutPoints QuintileCuts(std::vector<int64_t> goodness) {
  std::sort(goodness.begin(), goodness.end());
  RfmCutPoints cuts;
  const size_t n = goodness.size();
  for (size_t k = 1; k < kScores; ++k) {
    // At least ceil(k * n / 5) values below the cut point.
    const size_t below = (k * n + kScores - 1) / kScores;
    if (below == 0 || below >= n) break;
    // The first value after the `below` lowest that is above all of them.
    auto above = std::upper_bound(goodness.begin() + static_cast<ptrdiff_t>(below) - 1,
                                  goodness.end(), goodness[below - 1]);
    if (above == goodness.end()) break;
    cuts.push_back(*above);
  }
  return cuts;
}

// Goodness cut points as the measure's own values, ascending.
RfmCutPoints AsMeasure(RfmMeasure measure, RfmCutPoints cuts) {
  if (measure == RfmMeasure::kRecency) {
    for (int64_t& cut : cuts) cut = -cut;
    std::reverse(cuts.begin(), cuts.end());
  }
  return cuts;
}

}  // namespace

std::string_view RfmMeasureName(RfmMeasure measure) {
  switch (measure) {
    case RfmMeasure::kRecency:
      return "recency";
    case RfmMeasure::kFrequency:
      return "frequency";
    case RfmMeasure::kMonetary:
      return "monetary";
  }
  return "";
}

const RfmMeasureSpec& RfmModel::Spec(RfmMeasure measure) const {
  return OfMeasure(measure, recency, frequency, monetary);
}

bool RfmModel::UsesQuantiles() const {
  return recency.quantiles || frequency.quantiles || monetary.quantiles;
}

const RfmCutPoints& RfmQuantiles::Of(RfmMeasure measure) const {
  return OfMeasure(measure, recency, frequency, monetary);
}

RfmValues MeasureRfm(const Customer& customer, int32_t window_days, Date today) {
  RfmValues values;
  // The last purchase on or before today: the record's, or a later day of
  // the history (a rule test may give only the history). An evaluation as
  // of an earlier day does not see purchases after it.
  Date last;
  if (customer.last_purchase_at.known() && customer.last_purchase_at <= today) {
    last = customer.last_purchase_at;
  }
  for (const HistoryDay& row : customer.history) {
    if (row.figure == HistoryFigure::kPurchases && row.value > 0 && row.day <= today &&
        (!last.known() || row.day > last)) {
      last = row.day;
    }
  }
  if (last.known()) values.recency_days = int64_t{today.days()} - last.days();
  const FactRequest purchases{.kind = FactKind::kPurchases, .days = window_days};
  values.purchases = FactValue(purchases, customer, nullptr, today) / Decimal::kScale;
  const FactRequest spent{.kind = FactKind::kSpent, .days = window_days};
  values.spent = Decimal::FromUnits(FactValue(spent, customer, nullptr, today));
  return values;
}

int32_t RfmScore(RfmMeasure measure, const RfmCutPoints& cuts, const RfmValues& values) {
  int32_t score = 1;
  for (int64_t cut : cuts) {
    const bool reached = measure == RfmMeasure::kRecency
                             ? values.recency_days >= 0 && values.recency_days <= cut
                             : Goodness(measure, values) >= cut;
    if (reached) ++score;
  }
  return std::min(score, kScores);
}

const RfmCutPoints* RfmCutsOf(const RfmModel& model, RfmMeasure measure,
                              const RfmQuantiles* quantiles) {
  const RfmMeasureSpec& spec = model.Spec(measure);
  if (!spec.quantiles) return &spec.cuts;
  if (quantiles == nullptr || quantiles->window_days != model.window_days) return nullptr;
  return &quantiles->Of(measure);
}

void ScoreRfm(const RfmModel& model, const RfmQuantiles* quantiles, Date today,
              Customer* customer) {
  int64_t* scores[] = {&customer->rfm_r, &customer->rfm_f, &customer->rfm_m};
  if (*scores[0] != 0 && *scores[1] != 0 && *scores[2] != 0) return;
  const RfmValues values = MeasureRfm(*customer, model.window_days, today);
  for (size_t i = 0; i < kRfmMeasures.size(); ++i) {
    if (*scores[i] != 0) continue;
    const RfmCutPoints* cuts = RfmCutsOf(model, kRfmMeasures[i], quantiles);
    if (cuts != nullptr) *scores[i] = RfmScore(kRfmMeasures[i], *cuts, values);
  }
}

void RfmQuantileBuilder::Add(const RfmValues& values) {
  recency_.push_back(Goodness(RfmMeasure::kRecency, values));
  frequency_.push_back(Goodness(RfmMeasure::kFrequency, values));
  monetary_.push_back(Goodness(RfmMeasure::kMonetary, values));
}

void RfmQuantileBuilder::Merge(RfmQuantileBuilder&& other) {
  recency_.insert(recency_.end(), other.recency_.begin(), other.recency_.end());
  frequency_.insert(frequency_.end(), other.frequency_.begin(), other.frequency_.end());
  monetary_.insert(monetary_.end(), other.monetary_.begin(), other.monetary_.end());
  other = RfmQuantileBuilder();
}

RfmQuantiles RfmQuantileBuilder::Build(int32_t window_days) {
  RfmQuantiles quantiles;
  quantiles.window_days = window_days;
  quantiles.customers = customers();
  // Never bought is the lowest goodness, so it is no cut point: such
  // customers score 1.
  quantiles.recency = AsMeasure(RfmMeasure::kRecency, QuintileCuts(std::move(recency_)));
  quantiles.frequency = QuintileCuts(std::move(frequency_));
  quantiles.monetary = QuintileCuts(std::move(monetary_));
  *this = RfmQuantileBuilder();
  return quantiles;
}

std::string FormatRfmCuts(RfmMeasure measure, const RfmCutPoints& cuts) {
  if (cuts.empty()) return "none";
  std::vector<std::string> texts;
  for (int64_t cut : cuts) {
    texts.push_back(measure == RfmMeasure::kMonetary ? Decimal::FromUnits(cut).ToString()
                                                     : StrCat(cut));
  }
  return StrJoin(texts, ", ");
}

}  // namespace clientele::rules
