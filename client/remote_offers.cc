// `clientele offers redeem|reverse|redemptions|calendar` (the Offers
// service) and `clientele reports offers` (Reports.OfferReport).
// Redemptions and their reversals are writes with an idempotency key.
#include "client/offer_commands.h"
#include "client/remote_commands.h"
#include "client/table.h"
#include "clientele/v1/offers.grpc.pb.h"
#include "clientele/v1/reports.grpc.pb.h"
#include "common/strings.h"

namespace clientele::client {
namespace {

std::string Or(const std::string& text, std::string_view fallback) {
  return text.empty() ? std::string(fallback) : text;
}

// "50", "10 points", "-" for an offer without a value.
std::string Worth(const v1::OfferRedemption& r) {
  if (r.unit().empty()) return "-";
  return r.unit() == "points" ? StrCat(r.value(), " points") : r.value();
}

std::string RenderRedemption(const v1::OfferRedemption& r) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"redemption", StrCat(r.redemption_id())},
      {"offer", StrCat(r.offer(), " (", r.offer_id(), ")")},
      {"worth", Worth(r)},
      {"date", r.date()}};
  if (!r.amount().empty()) fields.push_back({"for an amount of", r.amount()});
  if (!r.channel().empty()) fields.push_back({"channel", r.channel()});
  if (!r.purchase_id().empty()) fields.push_back({"purchase", r.purchase_id()});
  if (!r.reference().empty()) fields.push_back({"reference", r.reference()});
  if (!r.reversed_at().empty()) {
    fields.push_back({"reversed", StrCat(r.reversed_at(), r.reversal_reason().empty() ? "" : ": ",
                                         r.reversal_reason())});
  }
  fields.push_back({"ruleset", r.ruleset_version()});
  return RenderFields(fields, "  ");
}

std::string RenderRedemptions(const v1::ListOfferRedemptionsResponse& response,
                              const std::string& customer_id) {
  if (response.redemptions().empty()) return StrCat("no offer redemptions of customer ", customer_id, "\n");
  Table table({{"REDEMPTION", Table::Align::kRight},
               {"DATE"},
               {"OFFER"},
               {"WORTH", Table::Align::kRight},
               {"CHANNEL"},
               {"PURCHASE"},
               {"REVERSED"}});
  for (const v1::OfferRedemption& r : response.redemptions()) {
    table.AddRow({StrCat(r.redemption_id()), r.date(), StrCat(r.offer(), " (", r.offer_id(), ")"),
                  Worth(r), Or(r.channel(), "-"), Or(r.purchase_id(), "-"),
                  r.reversed_at().empty() ? "-" : Or(r.reversal_reason(), r.reversed_at())});
  }
  return StrCat("offer redemptions of customer ", customer_id, ", newest first:\n",
                table.Render("  "));
}

std::string RenderOfferReport(const v1::OfferReportResponse& r) {
  std::string out = StrCat("offers from ", r.from(), " to ", r.to(), " (budgets as of ", r.today(),
                           ", ruleset ", r.ruleset_version(), "):\n");
  if (r.offers().empty()) return out + "  the served ruleset has no offers\n";
  Table table({{"OFFER"},
               {"REDEMPTIONS", Table::Align::kRight},
               {"VALUE", Table::Align::kRight},
               {"IN TOTAL", Table::Align::kRight},
               {"VALUE IN TOTAL", Table::Align::kRight},
               {"BUDGETS LEFT"}});
  for (const v1::OfferFigures& o : r.offers()) {
    std::vector<std::string> budgets;
    for (const v1::OfferBudgetUse& b : o.budgets()) {
      budgets.push_back(StrCat(b.left(), " of ", b.limit(), " (", b.key(),
                               b.period_start().empty() ? "" : StrCat(" since ", b.period_start()),
                               ")"));
    }
    const std::string unit = o.unit() == "points" ? " points" : "";
    table.AddRow({o.offer().empty() ? StrCat(o.offer_id(), " (no longer served)")
                                    : StrCat(o.offer(), " (", o.offer_id(), ")"),
                  StrCat(o.redemptions()), StrCat(o.value(), unit), StrCat(o.total_redemptions()),
                  StrCat(o.total_value(), unit), budgets.empty() ? "-" : StrJoin(budgets, "; ")});
  }
  StrAppend(&out, table.Render("  "));
  bool any_day = false;
  Table days({{"DATE"}, {"OFFER"}, {"REDEMPTIONS", Table::Align::kRight},
              {"VALUE", Table::Align::kRight}});
  for (const v1::OfferFigures& o : r.offers()) {
    for (const v1::OfferDayFigures& d : o.days()) {
      days.AddRow({d.date(), o.offer_id(), StrCat(d.redemptions()), d.value()});
      any_day = true;
    }
  }
  if (!any_day) return out + "no redemptions in these days\n";
  return out + "per day (reversals taken off):\n" + days.Render("  ");
}

// The proto calendar as the offline one, to show it the same way.
rules::OfferCalendar CalendarOf(const v1::GetOfferCalendarResponse& r) {
  rules::OfferCalendar calendar;
  const absl::StatusOr<rules::Date> from = rules::Date::Parse(r.from());
  const absl::StatusOr<rules::Date> to = rules::Date::Parse(r.to());
  if (from.ok() && to.ok()) {
    for (int32_t d = from->days(); d <= to->days(); ++d) calendar.days.push_back(rules::Date::FromDays(d));
  }
  for (const v1::OfferCalendarRow& row : r.offers()) {
    rules::OfferCalendar::Row& shown = calendar.offers.emplace_back();
    shown.id = row.offer_id();
    shown.offer = row.offer();
    shown.hours = row.hours();
    shown.limits = row.limits();
    for (rules::Date day : calendar.days) {
      shown.live.push_back(std::find(row.live_dates().begin(), row.live_dates().end(),
                                     day.ToString()) != row.live_dates().end());
    }
  }
  for (const v1::OfferBlock& b : r.blocks()) {
    const absl::StatusOr<rules::Date> block_from = rules::Date::Parse(b.from());
    const absl::StatusOr<rules::Date> block_to = rules::Date::Parse(b.to());
    calendar.blocks.push_back({b.first(), b.second(), b.why(),
                               block_from.ok() ? *block_from : rules::Date(),
                               block_to.ok() ? *block_to : rules::Date()});
  }
  return calendar;
}

}  // namespace

int RunOfferRedeem(const OfferRedeemOptions& options, std::ostream& out, std::ostream& err) {
  const IdempotencyKey key = ResolveKey(options.key);
  v1::RedeemOfferRequest request;
  request.set_idempotency_key(key.key);
  request.set_customer_id(options.customer_id);
  request.set_offer_id(options.offer_id);
  request.set_amount(options.amount);
  request.set_purchase_id(options.purchase_id);
  request.set_channel(options.channel);
  request.set_reference(options.reference);
  v1::RedeemOfferResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Offers::Stub::RedeemOffer, request, &response);
  return PrintWriteResult(status, response, key, options.remote, out, err,
                          [&](const v1::RedeemOfferResponse& r) {
                            return StrCat("redeemed ", r.redemption().offer_id(),
                                          " for customer ", r.redemption().customer_id(), "\n",
                                          RenderRedemption(r.redemption()));
                          });
}

int RunOfferReverse(const OfferReverseOptions& options, std::ostream& out, std::ostream& err) {
  const IdempotencyKey key = ResolveKey(options.key);
  v1::ReverseOfferRedemptionRequest request;
  request.set_idempotency_key(key.key);
  request.set_redemption_id(options.redemption_id);
  request.set_reason(options.reason);
  v1::ReverseOfferRedemptionResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Offers::Stub::ReverseOfferRedemption, request, &response);
  return PrintWriteResult(
      status, response, key, options.remote, out, err,
      [&](const v1::ReverseOfferRedemptionResponse& r) {
        return StrCat("gave back redemption ", r.redemption().redemption_id(), " of ",
                      r.redemption().offer_id(),
                      ": its customer's limit and the budget count it no more\n",
                      RenderRedemption(r.redemption()));
      });
}

int RunOfferRedemptions(const OfferRedemptionsOptions& options, std::ostream& out,
                        std::ostream& err) {
  v1::ListOfferRedemptionsRequest request;
  request.set_customer_id(options.customer_id);
  request.set_limit(options.limit);
  v1::ListOfferRedemptionsResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Offers::Stub::ListOfferRedemptions, request, &response);
  return PrintResult(status, response, options.remote, out, err,
                     [&](const v1::ListOfferRedemptionsResponse& r) {
                       return RenderRedemptions(r, options.customer_id);
                     });
}

int RunServedOfferCalendar(const OfferCalendarOptions& options, std::ostream& out,
                           std::ostream& err) {
  v1::GetOfferCalendarRequest request;
  request.set_from(options.from);
  request.set_to(options.to);
  v1::GetOfferCalendarResponse response;
  const grpc::Status status =
      CallUnary(options.server, &v1::Offers::Stub::GetOfferCalendar, request, &response);
  RemoteOptions remote = options.server;
  remote.json = false;  // --json prints the offline form, below
  return PrintResult(status, response, remote, out, err,
                     [&](const v1::GetOfferCalendarResponse& r) {
                       const rules::OfferCalendar calendar = CalendarOf(r);
                       if (options.server.json) {
                         nlohmann::json shown = OfferCalendarJson(calendar, r.time_zone());
                         shown["ruleset_version"] = r.ruleset_version();
                         return shown.dump(2) + "\n";
                       }
                       if (calendar.days.empty()) return std::string("no days\n");
                       return StrCat("the calendar of ruleset ", r.ruleset_version(), "\n",
                                     RenderOfferCalendar(calendar, r.time_zone()));
                     });
}

int RunOfferReport(const OfferReportOptions& options, std::ostream& out, std::ostream& err) {
  v1::OfferReportRequest request;
  request.set_from(options.from);
  request.set_to(options.to);
  request.set_offer_id(options.offer_id);
  v1::OfferReportResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Reports::Stub::OfferReport, request, &response);
  return PrintResult(status, response, options.remote, out, err, RenderOfferReport);
}

}  // namespace clientele::client
