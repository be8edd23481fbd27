// `clientele offers ...`: campaign tools over a rules directory, offline
// (rules/offer_calendar.h).
#ifndef CLIENTELE_CLIENT_OFFER_COMMANDS_H_
#define CLIENTELE_CLIENT_OFFER_COMMANDS_H_

#include <ostream>
#include <string>

namespace clientele::client {

struct OfferCalendarOptions {
  std::string directory;
  std::string from;  // YYYY-MM-DD, required
  std::string to;    // YYYY-MM-DD, required
  bool json = false;
};

// Which offers are live on which days from --from to --to, and which keep
// which out when both apply. Exit 0; 2 on bad input; 1 on rule errors.
int RunOfferCalendar(const OfferCalendarOptions& options, std::ostream& out, std::ostream& err);

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_OFFER_COMMANDS_H_
