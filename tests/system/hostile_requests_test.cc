// The adversarial corpus: requests no honest client sends, each with the
// status it must get and the field it must name, against the real
// clienteled. One server serves the whole table (a test per case would
// start hundreds of servers). The field is read from the
// google.rpc.BadRequest in the grpc-status-details-bin trailer, so the
// corpus checks the error details too.
//
// Also here: page tokens bound to their query (AIP-158), requests whose
// bytes do not parse, and control characters never echoed back.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <type_traits>
#include <future>
#include <string>
#include <vector>

#include "clientele/v1/rulesets.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "common/strings.h"
#include "tests/support/server_fixture.h"

namespace clientele {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// What the details of a failed call say.
struct Details {
  std::string reason;  // ErrorInfo.reason
  std::string field;   // the first BadRequest field violation
};

Details DetailsOf(const grpc::Status& status) {
  Details out;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return out;
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad_request;
    if (any.UnpackTo(&info)) {
      out.reason = info.reason();
    } else if (any.UnpackTo(&bad_request) && bad_request.field_violations_size() > 0) {
      out.field = bad_request.field_violations(0).field();
    }
  }
  return out;
}

std::string Tomorrow() { return rules::Date::FromDays(rules::Date::Today().days() + 1).ToString(); }

class HostileRequestsTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    rulesets_ = v1::Rulesets::NewStub(channel_);
    v1::UpsertCustomerResponse upserted;
    ASSERT_TRUE(Upsert(ZhangSan(), "setup-1", &upserted).ok());
  }

  // One hostile request: `call` makes it with the fixture's stubs.
  struct Case {
    std::string name;
    std::function<grpc::Status(HostileRequestsTest&)> call;
    grpc::StatusCode code = grpc::StatusCode::INVALID_ARGUMENT;
    std::string field;  // the BadRequest field; "" for a code other than INVALID_ARGUMENT
  };

  static std::function<grpc::Status(HostileRequestsTest&)> UpsertWith(
      std::function<void(v1::Customer*)> change) {
    return [change](HostileRequestsTest& t) {
      v1::Customer customer = ZhangSan();
      change(&customer);
      v1::UpsertCustomerResponse response;
      return t.Upsert(customer, "hostile-upsert", &response);
    };
  }

  static std::function<grpc::Status(HostileRequestsTest&)> InlineWith(
      std::function<void(v1::Customer*)> change) {
    return [change](HostileRequestsTest& t) {
      v1::Customer customer = ZhangSan();
      change(&customer);
      return t.EvaluateInline(customer);
    };
  }

  grpc::Status EvaluateInline(const v1::Customer& customer) {
    v1::EvaluateRequest request;
    *request.mutable_customer() = customer;
    v1::EvaluateResponse response;
    return Call(decisions_, &v1::Decisions::Stub::Evaluate, request, &response);
  }

  // A valid `request` changed by `change` (the hostile part), sent.
  template <typename Stub, typename Request, typename Response>
  grpc::Status Changed(std::unique_ptr<Stub>& stub,
                       grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                    Response*),
                       Request request,
                       const std::type_identity_t<std::function<void(Request*)>>& change) {
    change(&request);
    Response response;
    return Call(stub, method, request, &response);
  }

  grpc::Status PurchaseWith(std::function<void(v1::RecordPurchaseRequest*)> change) {
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key("hostile-purchase");
    request.set_customer_id("c-1");
    request.set_purchase_id("hostile-p");
    request.set_amount("100");
    return Changed(events_, &v1::Events::Stub::RecordPurchase, request, change);
  }

  grpc::Status FeedbackWith(std::function<void(v1::SubmitFeedbackRequest*)> change) {
    v1::SubmitFeedbackRequest request;
    request.set_idempotency_key("hostile-feedback");
    request.set_product("产品A");
    request.set_text("价格更优惠");
    return Changed(events_, &v1::Events::Stub::SubmitFeedback, request, change);
  }

  grpc::Status ListCustomersWith(std::function<void(v1::ListCustomersRequest*)> change) {
    return Changed(customers_, &v1::Customers::Stub::ListCustomers, v1::ListCustomersRequest(),
                   change);
  }

  grpc::Status EvaluateManyWith(std::function<void(v1::EvaluateManyRequest*)> change) {
    v1::EvaluateManyRequest request;
    change(&request);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    std::unique_ptr<grpc::ClientReader<v1::EvaluateResponse>> reader =
        decisions_->EvaluateMany(&context, request);
    v1::EvaluateResponse response;
    while (reader->Read(&response)) {
    }
    return reader->Finish();
  }

  grpc::Status SimulateWith(std::vector<std::pair<std::string, std::string>> files) {
    v1::SimulateRulesetRequest request;
    for (const auto& [name, content] : files) {
      v1::RulesetSourceFile* file = request.add_files();
      file->set_name(name);
      file->set_content(content);
    }
    v1::SimulateRulesetResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return rulesets_->SimulateRuleset(&context, request, &response);
  }

  grpc::Status DecideWith(std::function<void(v1::DecideImprovementActionRequest*)> change) {
    v1::DecideImprovementActionRequest request;
    request.set_idempotency_key("hostile-decide");
    request.set_action_id(1);
    request.set_actor("运营");
    return Changed(improvements_, &v1::Improvements::Stub::DismissImprovementAction, request,
                   change);
  }

  grpc::Status ProductWith(std::function<void(v1::UpsertProductRequest*)> change) {
    v1::UpsertProductRequest request;
    request.set_idempotency_key("hostile-product");
    request.mutable_product()->set_product("产品A");
    return Changed(improvements_, &v1::Improvements::Stub::UpsertProduct, request, change);
  }

  std::vector<Case> Corpus();

  std::unique_ptr<v1::Rulesets::Stub> rulesets_;
};

// Control characters and broken UTF-8 for fields of one line (names,
// products, actors): every one is refused.
const std::vector<std::pair<std::string, std::string>>& LineHostiles() {
  static const auto* const kValues = new std::vector<std::pair<std::string, std::string>>{
      {"NUL", std::string("a\0b", 3)},
      {"ESC", "red\x1b[31mtext"},
      {"BEL", "ring\a"},
      {"DEL", "del\x7f"},
      {"C1 CSI", "csi\xc2\x9b" "2J"},
      {"C1 NEL", "nel\xc2\x85"},
      {"line feed", "two\nlines"},
      {"carriage return", "cr\r"},
      {"tab", "a\tb"},
      {"invalid UTF-8", "bad\xff"},
      {"truncated UTF-8", "cut\xe4\xb8"},
      {"overlong UTF-8", "over\xc0\xaf"},
  };
  return *kValues;
}

// For free text (interaction and feedback texts, notes): the same but tab
// and line breaks, which are allowed there.
const std::vector<std::pair<std::string, std::string>>& FreeTextHostiles() {
  static const auto* const kValues = new std::vector<std::pair<std::string, std::string>>{
      {"NUL", std::string("a\0b", 3)},
      {"ESC", "red\x1b[31mtext"},
      {"BEL", "ring\a"},
      {"DEL", "del\x7f"},
      {"C1 CSI", "csi\xc2\x9b" "2J"},
      {"vertical tab", "vt\v"},
      {"form feed", "ff\f"},
      {"invalid UTF-8", "bad\xff"},
  };
  return *kValues;
}

// Decimal text that is not the one syntax (digits, '.', 1..4 digits).
const std::vector<std::string>& BadDecimals() {
  static const auto* const kValues = new std::vector<std::string>{
      "+5", " 100", "100 ", "1e3", "1,000", "0x10", ".5", "5.", "1.23456", "NaN", "１００", "5..0",
      "- 5"};
  return *kValues;
}

std::vector<HostileRequestsTest::Case> HostileRequestsTest::Corpus() {
  std::vector<Case> cases;
  using T = HostileRequestsTest;
  // A string that is not UTF-8 does not even parse (proto3 checks it), so
  // it is refused before any field is looked at: no field to name.
  auto add = [&](std::string name, std::function<grpc::Status(T&)> call, std::string field,
                 grpc::StatusCode code = grpc::StatusCode::INVALID_ARGUMENT) {
    if (name.find("UTF-8") != std::string::npos) field.clear();
    cases.push_back({std::move(name), std::move(call), code, std::move(field)});
  };

  // Control characters in every one-line text field.
  for (const auto& [what, value] : LineHostiles()) {
    const std::string v = value;
    struct CustomerText {
      const char* field;
      void (v1::Customer::*set)(const std::string&);
    };
    for (const CustomerText& f : {CustomerText{"name", &v1::Customer::set_name},
                                  CustomerText{"gender", &v1::Customer::set_gender},
                                  CustomerText{"occupation", &v1::Customer::set_occupation},
                                  CustomerText{"consumption", &v1::Customer::set_consumption},
                                  CustomerText{"channel", &v1::Customer::set_channel},
                                  CustomerText{"birthday", &v1::Customer::set_birthday}}) {
      add(StrCat("upsert customer.", f.field, " with ", what),
          [f, v](T& t) {
            v1::Customer c = ZhangSan();
            (c.*f.set)(v);
            v1::UpsertCustomerResponse r;
            return t.Upsert(c, "k-text", &r);
          },
          StrCat("customer.", f.field));
    }
    add(StrCat("inline evaluate customer.tier with ", what),
        InlineWith([v](v1::Customer* c) { c->set_tier(v); }), "customer.tier");
    add(StrCat("purchase product with ", what),
        [v](T& t) { return t.PurchaseWith([&](auto* r) { r->set_product(v); }); }, "product");
    add(StrCat("feedback product with ", what),
        [v](T& t) { return t.FeedbackWith([&](auto* r) { r->set_product(v); }); }, "product");
    add(StrCat("decide actor with ", what),
        [v](T& t) { return t.DecideWith([&](auto* r) { r->set_actor(v); }); }, "actor");
    add(StrCat("upsert product name with ", what),
        [v](T& t) { return t.ProductWith([&](auto* r) { r->mutable_product()->set_product(v); }); },
        "product.product");
    add(StrCat("idempotency key with ", what),
        [v](T& t) { return t.PurchaseWith([&](auto* r) { r->set_idempotency_key(v); }); },
        "idempotency_key");
    add(StrCat("segment filter segment with ", what),
        [v](T& t) {
          return t.ListCustomersWith([&](auto* r) {
            r->mutable_segment()->set_dimension("life_stage");
            r->mutable_segment()->set_segment(v);
          });
        },
        "segment.segment");
  }
  // Free text: control characters other than tab and line breaks.
  for (const auto& [what, value] : FreeTextHostiles()) {
    const std::string v = value;
    add(StrCat("interaction text with ", what),
        [v](T& t) {
          v1::RecordInteractionResponse r;
          return t.Interaction("c-1", v, "k-interaction", &r);
        },
        "text");
    add(StrCat("feedback text with ", what),
        [v](T& t) { return t.FeedbackWith([&](auto* r) { r->set_text(v); }); }, "text");
    add(StrCat("decide note with ", what),
        [v](T& t) { return t.DecideWith([&](auto* r) { r->set_note(v); }); }, "note");
  }

  // Days after today, where only the past makes sense.
  const std::string tomorrow = Tomorrow();
  add("birthday tomorrow", UpsertWith([tomorrow](v1::Customer* c) { c->set_birthday(tomorrow); }),
      "customer.birthday");
  add("joined_at tomorrow",
      UpsertWith([tomorrow](v1::Customer* c) { c->set_joined_at(tomorrow); }),
      "customer.joined_at");
  add("birthday in 2199", UpsertWith([](v1::Customer* c) { c->set_birthday("2199-01-01"); }),
      "customer.birthday");
  add("inline birthday tomorrow",
      InlineWith([tomorrow](v1::Customer* c) { c->set_birthday(tomorrow); }),
      "customer.birthday");
  add("inline joined_at tomorrow",
      InlineWith([tomorrow](v1::Customer* c) { c->set_joined_at(tomorrow); }),
      "customer.joined_at");
  add("purchase tomorrow",
      [tomorrow](T& t) { return t.PurchaseWith([&](auto* r) { r->set_date(tomorrow); }); },
      "date");
  add("feedback tomorrow",
      [tomorrow](T& t) { return t.FeedbackWith([&](auto* r) { r->set_date(tomorrow); }); },
      "date");

  // Decimals: one syntax for every amount and satisfaction.
  for (const std::string& bad : BadDecimals()) {
    add(StrCat("amount '", bad, "'"),
        [bad](T& t) { return t.PurchaseWith([&](auto* r) { r->set_amount(bad); }); }, "amount");
    add(StrCat("feedback satisfaction '", bad, "'"),
        [bad](T& t) { return t.FeedbackWith([&](auto* r) { r->set_satisfaction(bad); }); },
        "satisfaction");
    add(StrCat("customer average_purchase_amount '", bad, "'"),
        UpsertWith([bad](v1::Customer* c) { c->set_average_purchase_amount(bad); }),
        "customer.average_purchase_amount");
    add(StrCat("customer satisfaction '", bad, "'"),
        UpsertWith([bad](v1::Customer* c) { c->set_satisfaction(bad); }),
        "customer.satisfaction");
  }
  add("amount -5", [](T& t) { return t.PurchaseWith([](auto* r) { r->set_amount("-5"); }); },
      "amount");
  add("amount 0", [](T& t) { return t.PurchaseWith([](auto* r) { r->set_amount("0"); }); },
      "amount");
  add("amount over the maximum",
      [](T& t) { return t.PurchaseWith([](auto* r) { r->set_amount("100000000.0001"); }); },
      "amount");
  add("customer satisfaction 5.01",
      UpsertWith([](v1::Customer* c) { c->set_satisfaction("5.01"); }),
      "customer.satisfaction");
  add("customer satisfaction 0.5",
      UpsertWith([](v1::Customer* c) { c->set_satisfaction("0.5"); }),
      "customer.satisfaction");

  // Unknown dimensions and segments (with a did-you-mean in the message).
  for (const char* rpc : {"ListCustomers", "EvaluateMany"}) {
    const bool list = std::string_view(rpc) == "ListCustomers";
    auto filter = [list](std::string dimension, std::string segment) {
      return [=](T& t) {
        auto set = [&](v1::SegmentFilter* f) {
          f->set_dimension(dimension);
          f->set_segment(segment);
        };
        return list ? t.ListCustomersWith([&](auto* r) { set(r->mutable_segment()); })
                    : t.EvaluateManyWith([&](auto* r) { set(r->mutable_segment()); });
      };
    };
    add(StrCat(rpc, " unknown segment"), filter("life_stage", "年轻低收入"), "segment.segment");
    add(StrCat(rpc, " segment of another dimension"), filter("life_stage", "no-such-segment"),
        "segment.segment");
    add(StrCat(rpc, " empty segment"), filter("life_stage", ""), "segment.segment");
    add(StrCat(rpc, " unknown dimension"), filter("life_stag", "年轻低收入群体"),
        "segment.dimension");
    add(StrCat(rpc, " empty dimension"), filter("", "年轻低收入群体"), "segment.dimension");
    add(StrCat(rpc, " dimension with ESC"), filter("life\x1b", "x"), "segment.dimension");
  }

  // SimulateRuleset file names.
  const std::string rules = "kind: segmentation\n";
  for (const std::string& name :
       {std::string("a/b.yaml"), std::string("../x.yaml"), std::string(".."), std::string("."),
        std::string("..hidden.yaml"), std::string("a\\b.yaml"), std::string("/etc/passwd"),
        std::string("x\0.yaml", 7), std::string("x\x1b.yaml"), std::string(""),
        std::string(300, 'n')}) {
    add(StrCat("simulate file named '", EscapeControlCharacters(name), "'"),
        [name, rules](T& t) { return t.SimulateWith({{name, rules}}); }, "files.name");
  }
  add("simulate duplicate file names",
      [rules](T& t) { return t.SimulateWith({{"a.yaml", rules}, {"a.yaml", rules}}); },
      "files.name");

  // Page sizes and tokens never issued.
  for (int32_t size : {-1, 1001, INT32_MIN, INT32_MAX}) {
    add(StrCat("ListCustomers page_size ", size),
        [size](T& t) { return t.ListCustomersWith([&](auto* r) { r->set_page_size(size); }); },
        "page_size");
  }
  for (const std::string& token :
       {std::string("c-1"), std::string("1"), std::string("AAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        std::string("not base64!"), std::string("\x1b"), std::string(600, 'A')}) {
    add(StrCat("ListCustomers page_token '", EscapeControlCharacters(token).substr(0, 20), "'"),
        [token](T& t) { return t.ListCustomersWith([&](auto* r) { r->set_page_token(token); }); },
        "page_token");
    add(StrCat("GetLedger page_token '", EscapeControlCharacters(token).substr(0, 20), "'"),
        [token](T& t) {
          v1::GetLedgerRequest request;
          request.set_customer_id("c-1");
          return t.Changed(t.reports_, &v1::Reports::Stub::GetLedger, request,
                           [&](auto* r) { r->set_page_token(token); });
        },
        "page_token");
    add(StrCat("ListImprovementActions page_token '", EscapeControlCharacters(token).substr(0, 20),
               "'"),
        [token](T& t) {
          return t.Changed(t.improvements_, &v1::Improvements::Stub::ListImprovementActions,
                           v1::ListImprovementActionsRequest(),
                           [&](auto* r) { r->set_page_token(token); });
        },
        "page_token");
    add(StrCat("ListLoggedDecisions page_token '", EscapeControlCharacters(token).substr(0, 20),
               "'"),
        [token](T& t) {
          return t.Changed(t.decisions_, &v1::Decisions::Stub::ListLoggedDecisions,
                           v1::ListLoggedDecisionsRequest(),
                           [&](auto* r) { r->set_page_token(token); });
        },
        "page_token");
  }

  // Ids.
  for (const std::string& id : {std::string(""), std::string("has space"), std::string(65, 'x'),
                                std::string("a/b"), std::string("ü"), std::string("a\x1b")}) {
    add(StrCat("GetCustomer id '", EscapeControlCharacters(id).substr(0, 20), "'"),
        [id](T& t) {
          v1::GetCustomerRequest request;
          request.set_customer_id(id);
          v1::GetCustomerResponse response;
          return t.Call(t.customers_, &v1::Customers::Stub::GetCustomer, request, &response);
        },
        "customer_id");
    add(StrCat("purchase_id '", EscapeControlCharacters(id).substr(0, 20), "'"),
        [id](T& t) { return t.PurchaseWith([&](auto* r) { r->set_purchase_id(id); }); },
        "purchase_id");
  }

  // Other fields that take a fixed vocabulary or a day.
  add("return kind with ESC",
      [](T& t) {
        v1::ReturnPurchaseRequest request;
        request.set_idempotency_key("k-return");
        request.set_purchase_id("p-1");
        request.set_kind("return\x1b");
        v1::ReturnPurchaseResponse response;
        return t.Call(t.events_, &v1::Events::Stub::ReturnPurchase, request, &response);
      },
      "kind");
  add("evaluate today with NUL",
      [](T& t) {
        v1::EvaluateRequest request;
        request.set_customer_id("c-1");
        request.set_today(std::string("2026-01-01\0", 11));
        v1::EvaluateResponse response;
        return t.Call(t.decisions_, &v1::Decisions::Stub::Evaluate, request, &response);
      },
      "today");
  add("purchase channel with ESC",
      [](T& t) { return t.PurchaseWith([](auto* r) { r->set_channel("online\x1b"); }); },
      "channel");
  add("feedback source with ESC",
      [](T& t) { return t.FeedbackWith([](auto* r) { r->set_source("phone\x1b"); }); }, "source");
  add("product attribute name with ESC",
      [](T& t) {
        return t.ProductWith(
            [](auto* r) { (*r->mutable_product()->mutable_attributes())["价格\x1b"] = "100"; });
      },
      "product.attributes");
  add("action status with ESC",
      [](T& t) {
        v1::ListImprovementActionsRequest request;
        request.set_status("proposed\x1b");
        v1::ListImprovementActionsResponse response;
        return t.Call(t.improvements_, &v1::Improvements::Stub::ListImprovementActions, request,
                      &response);
      },
      "status");
  add("logged decisions version with ESC",
      [](T& t) {
        v1::ListLoggedDecisionsRequest request;
        request.set_ruleset_version("abc\x1b");
        v1::ListLoggedDecisionsResponse response;
        return t.Call(t.decisions_, &v1::Decisions::Stub::ListLoggedDecisions, request, &response);
      },
      "ruleset_version");
  return cases;
}

TEST_F(HostileRequestsTest, EveryHostileRequestGetsItsCodeNamingItsField) {
  const std::vector<Case> cases = Corpus();
  ASSERT_GE(cases.size(), 200u);
  RecordProperty("cases", static_cast<int>(cases.size()));
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const grpc::Status status = c.call(*this);
    EXPECT_EQ(status.error_code(), c.code) << status.error_message();
    if (c.code == grpc::StatusCode::INVALID_ARGUMENT) {
      EXPECT_EQ(DetailsOf(status).field, c.field) << status.error_message();
      if (c.field.empty()) {
        EXPECT_EQ(DetailsOf(status).reason, "UNPARSEABLE_REQUEST") << status.error_message();
      } else {
        EXPECT_THAT(status.error_message(), ::testing::StartsWith(c.field + ": "));
      }
    }
    // Nothing the client sent comes back able to drive a terminal.
    EXPECT_EQ(FindControlCharacter(status.error_message(), "\n"), std::string::npos)
        << EscapeControlCharacters(status.error_message());
  }
}

TEST_F(HostileRequestsTest, FreeTextTakesTabsAndLineBreaks) {
  v1::RecordInteractionResponse interaction;
  grpc::Status status = Interaction("c-1", "好评\n第二行\r\n\t缩进", "k-free-1", &interaction);
  EXPECT_TRUE(status.ok()) << status.error_message();
  status = FeedbackWith([](auto* r) { r->set_text("功能更强大\n价格更优惠\t!"); });
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(HostileRequestsTest, DecimalsTakeOneSyntaxEverywhere) {
  for (const char* good : {"100", "100.5", "0.0001", "007", "99.9900"}) {
    SCOPED_TRACE(good);
    const grpc::Status status = PurchaseWith([&](auto* r) {
      r->set_amount(good);
      r->set_purchase_id(StrCat("p-good-", good));
      r->set_idempotency_key(StrCat("k-good-", good));
    });
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
}

TEST_F(HostileRequestsTest, UnknownSegmentSuggestsTheClosest) {
  const grpc::Status status = ListCustomersWith([](auto* r) {
    r->mutable_segment()->set_dimension("life_stage");
    r->mutable_segment()->set_segment("年轻低收入群");
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("did you mean '年轻低收入群体'?"));
  EXPECT_EQ(DetailsOf(status).reason, "UNKNOWN_SEGMENT");
}

TEST_F(HostileRequestsTest, ReasonsTellAReusedKeyFromARecordedPurchase) {
  v1::RecordPurchaseResponse response;
  ASSERT_TRUE(Purchase("c-1", "p-1", "100", "key-1", &response).ok());
  // The same key for another request.
  grpc::Status reused = Purchase("c-1", "p-2", "100", "key-1", &response);
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(DetailsOf(reused).reason, "IDEMPOTENCY_KEY_REUSED");
  // The same purchase with a new key.
  grpc::Status recorded = Purchase("c-1", "p-1", "100", "key-2", &response);
  EXPECT_EQ(recorded.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(DetailsOf(recorded).reason, "PURCHASE_ALREADY_RECORDED");
  // Every failure carries a reason: the code's name when nothing more specific.
  v1::GetCustomerRequest get;
  get.set_customer_id("nobody");
  v1::GetCustomerResponse got;
  grpc::Status missing = Call(customers_, &v1::Customers::Stub::GetCustomer, get, &got);
  EXPECT_EQ(DetailsOf(missing).reason, "NOT_FOUND");
}

// AIP-158: a token holds for the query that it was issued for.
TEST_F(HostileRequestsTest, PageTokensAreBoundToTheirQuery) {
  for (int i = 0; i < 5; ++i) {
    v1::Customer c = ZhangSan();
    c.set_id(StrCat("c-page-", i));
    v1::UpsertCustomerResponse r;
    ASSERT_TRUE(Upsert(c, StrCat("k-page-", i), &r).ok());
  }
  v1::ListCustomersRequest first;
  first.set_page_size(2);
  v1::ListCustomersResponse page;
  ASSERT_TRUE(Call(customers_, &v1::Customers::Stub::ListCustomers, first, &page).ok());
  const std::string token = page.next_page_token();
  ASSERT_FALSE(token.empty());
  // Not the last id in plain text. (Any two characters, such as "c-", may
  // turn up in the token's MAC by chance.)
  EXPECT_EQ(token.find(page.customers(1).id()), std::string::npos)
      << "the token is opaque: " << token;

  // The same query goes on, with another page size too.
  v1::ListCustomersRequest next = first;
  next.set_page_token(token);
  next.set_page_size(3);
  v1::ListCustomersResponse second;
  grpc::Status status = Call(customers_, &v1::Customers::Stub::ListCustomers, next, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_NE(second.customers(0).id(), page.customers(1).id());

  // Another filter, a tampered token, another method: refused.
  v1::ListCustomersRequest filtered = next;
  filtered.mutable_segment()->set_dimension("life_stage");
  filtered.mutable_segment()->set_segment("年轻低收入群体");
  status = Call(customers_, &v1::Customers::Stub::ListCustomers, filtered, &second);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).reason, "INVALID_PAGE_TOKEN");
  for (size_t i = 0; i < token.size(); i += 3) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    v1::ListCustomersRequest altered = first;
    altered.set_page_token(tampered);
    status = Call(customers_, &v1::Customers::Stub::ListCustomers, altered, &second);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << "byte " << i;
  }
  v1::GetLedgerRequest ledger;
  ledger.set_customer_id("c-1");
  ledger.set_page_token(token);
  v1::GetLedgerResponse entries;
  status = Call(reports_, &v1::Reports::Stub::GetLedger, ledger, &entries);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).field, "page_token");
}

TEST_F(HostileRequestsTest, LedgerTokenHoldsForItsCustomerOnly) {
  for (const char* id : {"c-a", "c-b"}) {
    v1::Customer c = ZhangSan();
    c.set_id(id);
    v1::UpsertCustomerResponse r;
    ASSERT_TRUE(Upsert(c, StrCat("k-", id), &r).ok());
    for (int i = 0; i < 3; ++i) {
      v1::RecordPurchaseResponse p;
      ASSERT_TRUE(Purchase(id, StrCat(id, "-p", i), "300", StrCat(id, "-k", i), &p).ok());
    }
  }
  v1::GetLedgerRequest request;
  request.set_customer_id("c-a");
  request.set_page_size(1);
  v1::GetLedgerResponse page;
  ASSERT_TRUE(Call(reports_, &v1::Reports::Stub::GetLedger, request, &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());
  request.set_page_token(page.next_page_token());
  EXPECT_TRUE(Call(reports_, &v1::Reports::Stub::GetLedger, request, &page).ok());
  request.set_customer_id("c-b");
  const grpc::Status status = Call(reports_, &v1::Reports::Stub::GetLedger, request, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).field, "page_token");
}

// Bytes that are not the request message: INVALID_ARGUMENT with a
// message, not gRPC's bare UNIMPLEMENTED.
TEST_F(HostileRequestsTest, UnparseableRequestsAreInvalidArgument) {
  // Logged at info, like every failed call.
  StopServer();
  server_.set_log_level("info");
  ASSERT_NO_FATAL_FAILURE(StartServer());
  grpc::GenericStub stub(channel_);
  auto call = [&](const std::string& method, const std::string& bytes) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  };
  struct Bytes {
    const char* name;
    std::string method;
    std::string bytes;
  };
  const Bytes corpus[] = {
      {"invalid UTF-8 in a string", "/clientele.v1.Customers/GetCustomer", "\x0a\x02\xff\xfe"},
      {"truncated string", "/clientele.v1.Customers/GetCustomer", "\x0a\x05" "ab"},
      {"truncated varint", "/clientele.v1.Reports/GetLedger", "\x10\xff"},
      {"bad wire type", "/clientele.v1.Customers/UpsertCustomer", "\x0f"},
      {"invalid UTF-8 in a nested string", "/clientele.v1.Customers/UpsertCustomer",
       "\x12\x04\x12\x02\xc0\xaf"},
      {"server stream", "/clientele.v1.Decisions/EvaluateMany", "\x22\x03\xff\xff\xff"},
  };
  for (const Bytes& b : corpus) {
    SCOPED_TRACE(b.name);
    const grpc::Status status = call(b.method, b.bytes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("does not parse"));
    EXPECT_EQ(DetailsOf(status).reason, "UNPARSEABLE_REQUEST");
  }
  EXPECT_THAT(server_.ReadLog(),
              HasSubstr("event=call method=GetCustomer code=INVALID_ARGUMENT"));
  EXPECT_THAT(server_.ReadLog(),
              HasSubstr("event=call method=EvaluateMany code=INVALID_ARGUMENT"));
  // A method the server does not have is still UNIMPLEMENTED.
  EXPECT_EQ(call("/clientele.v1.Customers/NoSuchMethod", "").error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

// A message of the import stream that does not parse fails the whole
// import: gRPC alone would take it for the end of the stream and import
// what came before it.
TEST_F(HostileRequestsTest, AnImportMessageThatDoesNotParseImportsNothing) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::ImportCustomersResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::ImportCustomersRequest>> writer =
      customers_->ImportCustomers(&context, &response);
  v1::ImportCustomersRequest first;
  first.set_idempotency_key("k-import");
  v1::Customer good = ZhangSan();
  good.set_id("c-imported");
  *first.add_customers() = good;
  ASSERT_TRUE(writer->Write(first));
  v1::ImportCustomersRequest second;
  v1::Customer bad = ZhangSan();
  bad.set_id("c-bad");
  bad.set_name("\xff\xfe");  // protobuf sends it (with a complaint) but cannot parse it
  *second.add_customers() = bad;
  writer->Write(second);
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("message 2 of the stream does not parse"));
  EXPECT_EQ(DetailsOf(status).reason, "UNPARSEABLE_REQUEST");
  v1::GetCustomerRequest get;
  get.set_customer_id("c-imported");
  v1::GetCustomerResponse got;
  EXPECT_EQ(Call(customers_, &v1::Customers::Stub::GetCustomer, get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace clientele
