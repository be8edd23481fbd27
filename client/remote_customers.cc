// `clientele customers upsert|get|delete|list`: the unary RPCs of the
// Customers service (the import stream is in remote_import.cc).
#include "client/customer_input.h"
#include "client/remote_commands.h"
#include "client/table.h"
#include "clientele/v1/customers.grpc.pb.h"
#include "google/protobuf/descriptor.h"
#include "common/strings.h"

namespace clientele::client {
namespace {

using google::protobuf::FieldDescriptor;

// Every field of the customer, in proto order ("-" for an empty text).
std::string RenderCustomer(const v1::Customer& customer, std::string_view indent) {
  std::vector<std::pair<std::string, std::string>> fields;
  const google::protobuf::Reflection* reflection = customer.GetReflection();
  const google::protobuf::Descriptor* descriptor = customer.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    std::string value;
    if (field->is_repeated()) {  // points_expiring: "50 on 2026-12-20, ..."
      for (const v1::PointsExpiry& e : customer.points_expiring()) {
        StrAppend(&value, value.empty() ? "" : ", ", e.points(), " on ", e.date());
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
      value = StrCat(reflection->GetInt64(customer, field));
    } else {
      value = reflection->GetString(customer, field);
    }
    fields.emplace_back(field->name(), value.empty() ? "-" : value);
  }
  return RenderFields(fields, indent);
}

std::string Or(const std::string& text, std::string_view fallback) {
  return text.empty() ? std::string(fallback) : text;
}

std::string RenderCustomerPages(const std::vector<v1::ListCustomersResponse>& pages) {
  Table table({{"ID"},
               {"NAME"},
               {"AGE", Table::Align::kRight},
               {"CONSUMPTION"},
               {"CHANNEL"},
               {"SATISFACTION", Table::Align::kRight},
               {"POINTS", Table::Align::kRight},
               {"TIER"}});
  for (const v1::ListCustomersResponse& page : pages) {
    for (const v1::Customer& c : page.customers()) {
      table.AddRow({c.id(), Or(c.name(), "-"), c.age() == 0 ? "-" : StrCat(c.age()),
                    Or(c.consumption(), "-"), Or(c.channel(), "-"), Or(c.satisfaction(), "-"),
                    StrCat(c.points()), Or(c.tier(), "-")});
    }
  }
  std::string out = table.rows() == 0 ? "" : table.Render();
  StrAppend(&out, table.rows(), table.rows() == 1 ? " customer\n" : " customers\n");
  return out + MoreLine(pages.back().next_page_token());
}

}  // namespace

bool ParseSegmentFilter(const std::string& text, std::string* dimension, std::string* segment) {
  const size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size()) return false;
  *dimension = text.substr(0, equals);
  *segment = text.substr(equals + 1);
  return true;
}

int RunCustomerUpsert(const CustomerUpsertOptions& options, std::ostream& out,
                      std::ostream& err) {
  absl::StatusOr<v1::Customer> customer = CustomerFromJsonText(options.customer_json);
  if (!customer.ok()) {
    err << "error: --customer: " << View(customer.status().message()) << "\n";
    return kExitBadInput;
  }
  const IdempotencyKey key = ResolveKey(options.key);
  v1::UpsertCustomerRequest request;
  request.set_idempotency_key(key.key);
  *request.mutable_customer() = std::move(*customer);
  for (const std::string& path : options.update_mask) request.mutable_update_mask()->add_paths(path);
  v1::UpsertCustomerResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Customers::Stub::UpsertCustomer, request, &response);
  return PrintWriteResult(status, response, key, options.remote, out, err,
                          [](const v1::UpsertCustomerResponse& r) {
                            return StrCat(r.created() ? "created" : "updated", " customer ",
                                          r.customer().id(), "\n",
                                          RenderCustomer(r.customer(), "  "));
                          });
}

int RunCustomerGet(const CustomerGetOptions& options, std::ostream& out, std::ostream& err) {
  v1::GetCustomerRequest request;
  request.set_customer_id(options.customer_id);
  v1::GetCustomerResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Customers::Stub::GetCustomer, request, &response);
  return PrintResult(status, response, options.remote, out, err,
                     [](const v1::GetCustomerResponse& r) { return RenderCustomer(r.customer(), ""); });
}

int RunCustomerDelete(const CustomerDeleteOptions& options, std::ostream& out,
                      std::ostream& err) {
  const IdempotencyKey key = ResolveKey(options.key);
  v1::DeleteCustomerRequest request;
  request.set_idempotency_key(key.key);
  request.set_customer_id(options.customer_id);
  v1::DeleteCustomerResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Customers::Stub::DeleteCustomer, request, &response);
  return PrintWriteResult(status, response, key, options.remote, out, err,
                          [&](const v1::DeleteCustomerResponse&) {
                            return StrCat("deleted customer ", options.customer_id,
                                          " and everything recorded about it\n");
                          });
}

int RunCustomerList(const CustomerListOptions& options, std::ostream& out, std::ostream& err) {
  v1::ListCustomersRequest request;
  request.set_page_size(options.page.page_size);
  if (!options.segment.empty() &&
      !ParseSegmentFilter(options.segment, request.mutable_segment()->mutable_dimension(),
                          request.mutable_segment()->mutable_segment())) {
    err << "error: --segment must be DIMENSION=SEGMENT, e.g. life_stage=年轻低收入群体, not '"
        << options.segment << "'\n";
    return kExitBadInput;
  }
  v1::Customers::Stub stub(Connect(options.remote));
  std::vector<v1::ListCustomersResponse> pages;
  const grpc::Status status = FetchPages(
      options.page,
      [&](const std::string& token, v1::ListCustomersResponse* response) {
        request.set_page_token(token);
        grpc::ClientContext context;
        SetDeadline(options.remote, kUnaryTimeoutSeconds, &context);
        return stub.ListCustomers(&context, request, response);
      },
      &pages);
  return PrintPages(status, pages, options.remote, out, err, RenderCustomerPages);
}

}  // namespace clientele::client
