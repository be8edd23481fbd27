// `clientele reports segments|feedback|ledger`: the Reports service.
#include "client/remote_commands.h"
#include "client/table.h"
#include "clientele/v1/reports.grpc.pb.h"
#include "common/strings.h"

namespace clientele::client {
namespace {

// "40%" of `total`, rounded to a whole percent.
std::string Share(int64_t part, int64_t total) {
  if (total <= 0) return "-";
  return StrCat((part * 200 + total) / (2 * total), "%");
}

std::string RenderSegmentSizes(const v1::SegmentSizesResponse& r) {
  std::string out = StrCat("segment sizes of ", r.customers(),
                           r.customers() == 1 ? " customer" : " customers", "  [ruleset ",
                           r.ruleset_version(), "]\n");
  Table table({{"DIMENSION"},
               {"SEGMENT"},
               {"CUSTOMERS", Table::Align::kRight},
               {"SHARE", Table::Align::kRight}});
  for (const v1::DimensionSizes& d : r.dimensions()) {
    bool first = true;
    for (const v1::SegmentSize& s : d.segments()) {
      table.AddRow({first ? d.dimension() : "", s.segment(), StrCat(s.customers()),
                    Share(s.customers(), r.customers())});
      first = false;
    }
  }
  return out + table.Render("  ");
}

std::string Counts(const google::protobuf::RepeatedPtrField<v1::Count>& counts) {
  std::vector<std::string> items;
  for (const v1::Count& c : counts) items.push_back(StrCat(c.name(), " (", c.count(), ")"));
  return items.empty() ? "-" : StrJoin(items, ", ");
}

std::string RenderFeedbackReport(const v1::FeedbackReportResponse& r) {
  if (r.products().empty()) return "no feedback\n";
  Table products({{"PRODUCT"},
                  {"FEEDBACK", Table::Align::kRight},
                  {"RATED", Table::Align::kRight},
                  {"SATISFACTION", Table::Align::kRight},
                  {"EXPECTATIONS"},
                  {"THEMES"},
                  {"FIRST"},
                  {"LAST"}});
  Table trend({{"PRODUCT"},
               {"MONTH"},
               {"FEEDBACK", Table::Align::kRight},
               {"SATISFACTION", Table::Align::kRight}});
  for (const v1::ProductFeedback& p : r.products()) {
    products.AddRow({p.product(), StrCat(p.feedback_count()), StrCat(p.rated_count()),
                     p.average_satisfaction().empty() ? "-" : p.average_satisfaction(),
                     Counts(p.expectations()), Counts(p.themes()), p.first_feedback_at(),
                     p.last_feedback_at()});
    for (const v1::MonthTrend& m : p.trend()) {
      trend.AddRow({p.product(), m.month(), StrCat(m.feedback_count()),
                    m.average_satisfaction().empty() ? "-" : m.average_satisfaction()});
    }
  }
  return products.Render() + "\ntrend by month:\n" + trend.Render("  ");
}

std::string RenderLedger(const std::string& customer_id,
                         const std::vector<v1::GetLedgerResponse>& pages) {
  const v1::GetLedgerResponse& last = pages.back();
  std::string out = StrCat("points ledger of customer ", customer_id, ": balance ", last.balance(),
                           last.expiry_due() > 0
                               ? StrCat(" (of which ", last.expiry_due(),
                                        " expired, to be written off by the next expiry pass)")
                               : std::string(),
                           "\n");
  bool notes = false;
  for (const v1::GetLedgerResponse& page : pages) {
    for (const v1::LedgerEntry& e : page.entries()) notes = notes || !e.note().empty();
  }
  std::vector<Table::Column> columns = {{"ENTRY", Table::Align::kRight},
                                        {"RECORDED"},
                                        {"POINTS", Table::Align::kRight},
                                        {"BALANCE", Table::Align::kRight},
                                        {"REASON"},
                                        {"RULE"},
                                        {"SOURCE"},
                                        {"RULESET"}};
  if (notes) columns.push_back({"NOTE"});
  Table table(columns);
  for (const v1::GetLedgerResponse& page : pages) {
    for (const v1::LedgerEntry& e : page.entries()) {
      std::vector<std::string> row = {
          StrCat(e.entry_id()), e.recorded_at(),
          e.delta() > 0 ? StrCat("+", e.delta()) : StrCat(e.delta()), StrCat(e.balance_after()),
          e.reason(), e.rule_id().empty() ? "-" : e.rule_id(), e.source(), e.ruleset_version()};
      if (notes) row.push_back(e.note().empty() ? "-" : e.note());
      table.AddRow(row);
    }
  }
  if (table.rows() == 0) return out + "  no entries\n";
  return out + table.Render("  ") + MoreLine(pages.back().next_page_token());
}

}  // namespace

int RunSegmentReport(const SegmentReportOptions& options, std::ostream& out, std::ostream& err) {
  v1::SegmentSizesRequest request;
  request.set_dimension(options.dimension);
  request.set_today(options.today);
  v1::SegmentSizesResponse response;
  // Every stored customer is evaluated: give it the time of a stream.
  RemoteOptions remote = options.remote;
  if (remote.timeout_seconds == 0) remote.timeout_seconds = kStreamTimeoutSeconds;
  const grpc::Status status =
      CallUnary(remote, &v1::Reports::Stub::SegmentSizes, request, &response);
  return PrintResult(status, response, options.remote, out, err, RenderSegmentSizes);
}

int RunFeedbackReport(const FeedbackReportOptions& options, std::ostream& out,
                      std::ostream& err) {
  v1::FeedbackReportRequest request;
  request.set_product(options.product);
  request.set_since(options.since);
  request.set_top(options.top);
  v1::FeedbackReportResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Reports::Stub::FeedbackReport, request, &response);
  return PrintResult(status, response, options.remote, out, err, RenderFeedbackReport);
}

int RunLedger(const LedgerOptions& options, std::ostream& out, std::ostream& err) {
  v1::GetLedgerRequest request;
  request.set_customer_id(options.customer_id);
  request.set_page_size(options.page.page_size);
  v1::Reports::Stub stub(Connect(options.remote));
  std::vector<v1::GetLedgerResponse> pages;
  const grpc::Status status = FetchPages(
      options.page,
      [&](const std::string& token, v1::GetLedgerResponse* response) {
        request.set_page_token(token);
        grpc::ClientContext context;
        SetDeadline(options.remote, kUnaryTimeoutSeconds, &context);
        return stub.GetLedger(&context, request, response);
      },
      &pages);
  return PrintPages(status, pages, options.remote, out, err,
                    [&](const std::vector<v1::GetLedgerResponse>& p) {
                      return RenderLedger(options.customer_id, p);
                    });
}

}  // namespace clientele::client
