// Which offers a ruleset can give on which days, and which offers keep
// which out when both apply: the campaign calendar marketing plans with
// (`clientele offers calendar`, docs/rules.md "The campaign calendar").
// Pure functions over an immutable RuleSet; thread-safe.
#ifndef CLIENTELE_RULES_OFFER_CALENDAR_H_
#define CLIENTELE_RULES_OFFER_CALENDAR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rules/customer.h"
#include "rules/ruleset.h"

namespace clientele::rules {

struct OfferCalendar {
  std::vector<Date> days;  // from .. to
  struct Row {
    std::string id;
    std::string offer;
    // Per day of `days`: whether its dates and days of the week allow it
    // (its condition, hours, limits and budget still decide).
    std::vector<bool> live;
    std::string hours;  // "10:00-22:00", "" all day
    std::string limits;  // its limits and budgets in words, "" none
  };
  std::vector<Row> offers;  // in offer order
  // Two offers, both live on some day, of which stacking gives at most
  // one when both apply.
  struct Block {
    std::string first;   // the earlier in offer order (ids)
    std::string second;
    std::string why;     // in words: "the exclusive offer 'a' comes first", ...
    Date from, to;       // the first and last day both are live
  };
  std::vector<Block> blocks;
};

// The calendar from `from` to `to`, both included. INVALID_ARGUMENT when
// `to` is before `from` or the range is longer than 366 days.
absl::StatusOr<OfferCalendar> MakeOfferCalendar(const RuleSet& ruleset, Date from, Date to);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_OFFER_CALENDAR_H_
