#include "rules/offer_calendar.h"

#include <algorithm>

#include "common/strings.h"

namespace clientele::rules {
namespace {

bool LiveOn(const RuleSet::OfferTerms& terms, Date day) {
  if (terms.valid_from.known() && day < terms.valid_from) return false;
  if (terms.valid_until.known() && terms.valid_until < day) return false;
  return terms.days.Contains(day);
}

// Why stacking gives at most one of `a` and `b` (a first in offer order)
// when both apply; "" when it gives both.
std::string BlockReason(const RuleSet::OfferTerms& a, const RuleSet::OfferTerms& b) {
  if (!a.group.empty() && a.group == b.group) {
    return a.group_best_value
               ? StrCat("one of them, the one worth more (group '", a.group, "')")
               : StrCat("'", a.id, "', first in group '", a.group, "', when both apply");
  }
  if (std::find(a.excludes.begin(), a.excludes.end(), b.id) != a.excludes.end()) {
    return StrCat("'", a.id, "', first of two that exclude each other");
  }
  if (a.exclusive) return StrCat("'", a.id, "' is exclusive and comes first");
  if (b.exclusive) return StrCat("'", b.id, "' is exclusive and never joins '", a.id, "'");
  return "";
}

}  // namespace

absl::StatusOr<OfferCalendar> MakeOfferCalendar(const RuleSet& ruleset, Date from, Date to) {
  if (!from.known() || !to.known() || to < from) {
    return absl::InvalidArgumentError("the calendar's last day is before its first");
  }
  if (to.days() - from.days() >= 366) {
    return absl::InvalidArgumentError("a calendar covers at most 366 days");
  }
  OfferCalendar calendar;
  for (int32_t d = from.days(); d <= to.days(); ++d) calendar.days.push_back(Date::FromDays(d));
  const std::vector<RuleSet::OfferTerms> terms = ruleset.OfferTermsList();
  for (const RuleSet::OfferTerms& t : terms) {
    OfferCalendar::Row& row = calendar.offers.emplace_back();
    row.id = t.id;
    row.offer = t.offer;
    for (Date day : calendar.days) row.live.push_back(LiveOn(t, day));
    std::vector<std::string> hours, limits;
    for (const HoursOfDay& h : t.hours) hours.push_back(h.ToString());
    for (const OfferCap& cap : t.caps) limits.push_back(cap.Describe());
    row.hours = StrJoin(hours, ", ");
    row.limits = StrJoin(limits, "; ");
  }
  for (size_t i = 0; i < terms.size(); ++i) {
    for (size_t j = i + 1; j < terms.size(); ++j) {
      const std::string why = BlockReason(terms[i], terms[j]);
      if (why.empty()) continue;
      Date first, last;
      for (size_t d = 0; d < calendar.days.size(); ++d) {
        if (!calendar.offers[i].live[d] || !calendar.offers[j].live[d]) continue;
        if (!first.known()) first = calendar.days[d];
        last = calendar.days[d];
      }
      if (!first.known()) continue;
      calendar.blocks.push_back({terms[i].id, terms[j].id, why, first, last});
    }
  }
  return calendar;
}

}  // namespace clientele::rules
