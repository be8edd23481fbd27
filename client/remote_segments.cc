// `clientele segments show|members|refresh|watch` and `clientele rfm show`:
// the Segments service.
#include "client/remote_commands.h"
#include "client/table.h"
#include "clientele/v1/segments.grpc.pb.h"
#include "common/strings.h"

namespace clientele::client {
namespace {

std::string RenderMemberships(const google::protobuf::RepeatedPtrField<v1::SegmentMembership>& rows,
                              bool with_customer) {
  Table table(with_customer
                  ? std::vector<Table::Column>{{"CUSTOMER"}, {"SINCE"}, {"COMPUTED"}, {"VERSION"}}
                  : std::vector<Table::Column>{
                        {"DIMENSION"}, {"SEGMENT"}, {"SINCE"}, {"COMPUTED"}, {"VERSION"}});
  for (const v1::SegmentMembership& m : rows) {
    const std::string version = m.ruleset_version().substr(0, 12);
    if (with_customer) {
      table.AddRow({m.customer_id(), m.since(), m.computed_at(), version});
    } else {
      table.AddRow({m.dimension(), m.segment(), m.since(), m.computed_at(), version});
    }
  }
  return table.rows() == 0 ? "" : table.Render();
}

std::string ChangeLine(const v1::SegmentChange& c) {
  const std::string from = c.from_segment().empty() ? "(none)" : c.from_segment();
  const std::string to = c.to_segment().empty() ? "(none)" : c.to_segment();
  return StrCat(c.sequence(), " ", c.changed_at(), " ", c.customer_id(), " ", c.dimension(), ": ",
                from, " -> ", to, " (", c.cause(), ", ruleset ", c.ruleset_version().substr(0, 12),
                ")\n");
}

std::string RenderRfm(const v1::GetRfmResponse& r, bool with_customer) {
  std::string out = StrCat("RFM by ruleset ", r.ruleset_version().substr(0, 12),
                           ": frequency and monetary over the last ", r.window_days(), " days\n");
  Table table({{"MEASURE"}, {"SCORED BY"}, {"CUT POINTS (scores 2..5)"}});
  for (const v1::RfmMeasure& m : r.measures()) {
    std::vector<std::string> cuts(m.cuts().begin(), m.cuts().end());
    const std::string unit = m.measure() == "recency" ? " days or fewer" : " or more";
    table.AddRow({m.measure(), m.quantiles() ? "quantiles" : "cut points",
                  !cuts.empty()       ? StrCat(StrJoin(cuts, ", "), unit)
                  : !m.quantiles()    ? "none"
                  : r.has_quantiles() ? "none: too few distinct values, every customer scores 1"
                                      : "none: quantiles never computed, not scored"});
  }
  out += table.Render();
  if (r.has_quantiles()) {
    StrAppend(&out, "quantiles computed ", r.quantiles().computed_at(), " over ",
              r.quantiles().customers(), " customers (ruleset ",
              r.quantiles().ruleset_version().substr(0, 12), ")\n");
  } else {
    out += "quantiles never computed for this window (clientele segments refresh computes them)\n";
  }
  if (with_customer) {
    StrAppend(
        &out, "\n",
        RenderFields({{"last purchase",
                       r.recency_days() < 0 ? "never" : StrCat(r.recency_days(), " days ago")},
                      {"purchases", StrCat(r.purchases())},
                      {"spent", r.spent()},
                      {"rfm.r", r.r() == 0 ? "not scored" : StrCat(r.r())},
                      {"rfm.f", r.f() == 0 ? "not scored" : StrCat(r.f())},
                      {"rfm.m", r.m() == 0 ? "not scored" : StrCat(r.m())}},
                     ""));
  }
  return out;
}

}  // namespace

int RunSegmentShow(const SegmentShowOptions& options, std::ostream& out, std::ostream& err) {
  v1::GetCustomerSegmentsRequest request;
  request.set_customer_id(options.customer_id);
  v1::GetCustomerSegmentsResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Segments::Stub::GetCustomerSegments, request, &response);
  return PrintResult(
      status, response, options.remote, out, err, [&](const v1::GetCustomerSegmentsResponse& r) {
        if (r.segments().empty()) {
          return StrCat("customer ", options.customer_id, " is in no stored segment\n");
        }
        return RenderMemberships(r.segments(), false);
      });
}

int RunSegmentMembers(const SegmentMembersOptions& options, std::ostream& out, std::ostream& err) {
  v1::ListSegmentMembersRequest request;
  request.set_dimension(options.dimension);
  request.set_segment(options.segment);
  request.set_page_size(options.page.page_size);
  v1::Segments::Stub stub(Connect(options.remote));
  std::vector<v1::ListSegmentMembersResponse> pages;
  const grpc::Status status = FetchPages(
      options.page,
      [&](const std::string& token, v1::ListSegmentMembersResponse* response) {
        request.set_page_token(token);
        grpc::ClientContext context;
        SetDeadline(options.remote, kUnaryTimeoutSeconds, &context);
        return stub.ListSegmentMembers(&context, request, response);
      },
      &pages);
  return PrintPages(status, pages, options.remote, out, err,
                    [](const std::vector<v1::ListSegmentMembersResponse>& all) {
                      std::string text;
                      int64_t count = 0;
                      for (const v1::ListSegmentMembersResponse& page : all) {
                        text += RenderMemberships(page.members(), true);
                        count += page.members_size();
                      }
                      StrAppend(&text, count, count == 1 ? " customer\n" : " customers\n");
                      return text + MoreLine(all.back().next_page_token());
                    });
}

int RunSegmentRefresh(const SegmentRefreshOptions& options, std::ostream& out, std::ostream& err) {
  v1::RefreshSegmentsRequest request;
  v1::RefreshSegmentsResponse response;
  RemoteOptions remote = options.remote;
  // A pass over every customer: give it longer than a unary call.
  if (remote.timeout_seconds == 0) remote.timeout_seconds = 600;
  const grpc::Status status =
      CallUnary(remote, &v1::Segments::Stub::RefreshSegments, request, &response);
  return PrintResult(
      status, response, options.remote, out, err, [](const v1::RefreshSegmentsResponse& r) {
        std::string text = StrCat("refreshed ", r.customers(), " customers by ruleset ",
                                  r.ruleset_version().substr(0, 12), ": ", r.changes(),
                                  r.changes() == 1 ? " move" : " moves", " recorded\n");
        if (r.has_rfm_quantiles()) {
          StrAppend(&text, "RFM quantiles computed over ", r.rfm_quantiles().customers(),
                    " customers\n");
        }
        if (r.evaluation_errors() > 0) {
          StrAppend(&text, r.evaluation_errors(),
                    " customers could not be evaluated and kept their segments; "
                    "the first: ",
                    r.first_error(), "\n");
        }
        return text;
      });
}

int RunSegmentWatch(const SegmentWatchOptions& options, std::ostream& out, std::ostream& err) {
  if (options.count < 0 || options.after < -1) {
    err << "error: --count must be 0 (no end) or more, and --after 0 or more\n";
    return kExitBadInput;
  }
  v1::WatchSegmentChangesRequest request;
  request.set_dimension(options.dimension);
  request.set_segment(options.segment);
  request.set_customer_id(options.customer_id);
  if (options.after >= 0) request.set_after_sequence(options.after);
  v1::Segments::Stub stub(Connect(options.remote));
  int64_t received = 0;
  // A watch that replayed all it may ends RESOURCE_EXHAUSTED: go on from
  // the last change read.
  for (;;) {
    grpc::ClientContext context;
    if (options.remote.timeout_seconds > 0) SetDeadline(options.remote, 0, &context);
    std::unique_ptr<grpc::ClientReader<v1::SegmentChange>> reader =
        stub.WatchSegmentChanges(&context, request);
    v1::SegmentChange change;
    bool read_any = false;
    while (reader->Read(&change)) {
      read_any = true;
      request.set_after_sequence(change.sequence());
      if (options.remote.json) {
        PrintJson(change, out);
      } else {
        out << ChangeLine(change);
      }
      out.flush();
      if (options.count > 0 && ++received >= options.count) {
        context.TryCancel();
        reader->Finish();
        return kExitOk;
      }
    }
    const grpc::Status status = reader->Finish();
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED && read_any) continue;
    if (!status.ok() && status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      return ReportError(status, options.remote, err);
    }
    return kExitOk;
  }
}

int RunRfmShow(const RfmShowOptions& options, std::ostream& out, std::ostream& err) {
  v1::GetRfmRequest request;
  request.set_customer_id(options.customer_id);
  v1::GetRfmResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Segments::Stub::GetRfm, request, &response);
  return PrintResult(status, response, options.remote, out, err, [&](const v1::GetRfmResponse& r) {
    return RenderRfm(r, !options.customer_id.empty());
  });
}

}  // namespace clientele::client
