// `clientele offers calendar DIR`: the campaign calendar of a rules
// directory, offline (rules/offer_calendar.h); the rendering is shared with
// the calendar a server serves (remote_offers.cc).
#ifndef CLIENTELE_CLIENT_OFFER_COMMANDS_H_
#define CLIENTELE_CLIENT_OFFER_COMMANDS_H_

#include <ostream>
#include <string>

#include "client/remote.h"
#include "nlohmann/json.hpp"
#include "rules/offer_calendar.h"

namespace clientele::client {

struct OfferCalendarOptions {
  // The server asked when `directory` is empty (its connection prepared
  // only then: an offline calendar needs no token); server.json: --json.
  RemoteOptions server;
  std::string directory;  // "": the ruleset the server serves
  std::string from;  // YYYY-MM-DD, required
  std::string to;    // YYYY-MM-DD, required
  // JSON with server.json (--json), the same whether the calendar comes
  // from a directory or a server.
};

// Which offers are live on which days from --from to --to, and which keep
// which out when both apply. Exit 0; 2 on bad input; 1 on rule errors.
int RunOfferCalendar(const OfferCalendarOptions& options, std::ostream& out, std::ostream& err);

// The calendar as a table with the blocks under it, for the ruleset's
// time zone `zone`; and as JSON {time_zone, days, offers, blocks}.
std::string RenderOfferCalendar(const rules::OfferCalendar& calendar, const std::string& zone);
nlohmann::json OfferCalendarJson(const rules::OfferCalendar& calendar, const std::string& zone);

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_OFFER_COMMANDS_H_
