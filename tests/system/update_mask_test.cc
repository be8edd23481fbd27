// UpsertCustomer's update_mask (AIP-134) against the real clienteled: two
// clients that read the same customer and each change one field keep both
// changes; a mask names editable fields only.
#include <grpcpp/grpcpp.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/server_fixture.h"

namespace clientele {
namespace {

using ::testing::HasSubstr;

class UpdateMaskTest : public ServerTest {
 protected:
  grpc::Status UpsertMasked(const v1::Customer& customer, const std::string& key,
                            std::initializer_list<const char*> paths,
                            v1::UpsertCustomerResponse* response) {
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key(key);
    *request.mutable_customer() = customer;
    for (const char* path : paths) request.mutable_update_mask()->add_paths(path);
    return Call(customers_, &v1::Customers::Stub::UpsertCustomer, request, response);
  }
};

TEST_F(UpdateMaskTest, ConcurrentChangesOfDifferentFieldsAreBothKept) {
  v1::UpsertCustomerResponse response;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-0", &response).ok());
  const v1::Customer read_by_a = Get("c-1");
  const v1::Customer read_by_b = Get("c-1");

  v1::Customer a = read_by_a;
  a.set_name("张三丰");
  ASSERT_TRUE(UpsertMasked(a, "k-a", {"name"}, &response).ok());
  v1::Customer b = read_by_b;  // still has the old name
  b.set_age(30);
  const grpc::Status s = UpsertMasked(b, "k-b", {"age"}, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();

  const v1::Customer stored = Get("c-1");
  EXPECT_EQ(stored.name(), "张三丰");
  EXPECT_EQ(stored.age(), 30);
  EXPECT_EQ(stored.consumption(), "low");
  EXPECT_EQ(stored.satisfaction(), "4");
}

TEST_F(UpdateMaskTest, WithoutAMaskEveryEditableFieldIsReplaced) {
  v1::UpsertCustomerResponse response;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-0", &response).ok());
  v1::Customer only_id;
  only_id.set_id("c-1");
  ASSERT_TRUE(Upsert(only_id, "k-1", &response).ok());
  EXPECT_EQ(Get("c-1").name(), "");
  EXPECT_EQ(Get("c-1").satisfaction(), "4");  // an empty satisfaction keeps the stored one
}

TEST_F(UpdateMaskTest, SatisfactionNamedInTheMaskIsSetEvenToNeverRated) {
  v1::UpsertCustomerResponse response;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-0", &response).ok());
  v1::Customer c = Get("c-1");
  c.set_satisfaction("0");
  ASSERT_TRUE(UpsertMasked(c, "k-1", {"satisfaction"}, &response).ok());
  EXPECT_EQ(Get("c-1").satisfaction(), "0");
}

TEST_F(UpdateMaskTest, ANewCustomerGetsOnlyTheNamedFields) {
  v1::UpsertCustomerResponse response;
  v1::Customer c = ZhangSan();
  c.set_id("c-new");
  ASSERT_TRUE(UpsertMasked(c, "k-new", {"name"}, &response).ok());
  EXPECT_TRUE(response.created());
  const v1::Customer stored = Get("c-new");
  EXPECT_EQ(stored.name(), "张三");
  EXPECT_EQ(stored.age(), 0);
  EXPECT_EQ(stored.consumption(), "");
  EXPECT_FALSE(stored.joined_at().empty());
}

TEST_F(UpdateMaskTest, PathsNameEditableFieldsOnly) {
  v1::UpsertCustomerResponse response;
  for (const char* path : {"points", "tier", "nmae", "", "customer.name"}) {
    SCOPED_TRACE(path);
    const grpc::Status s = UpsertMasked(ZhangSan(), "k-bad", {path}, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), ::testing::StartsWith("update_mask.paths: "));
  }
  const grpc::Status typo = UpsertMasked(ZhangSan(), "k-typo", {"nmae"}, &response);
  EXPECT_THAT(typo.error_message(), HasSubstr("did you mean 'name'?"));
  const grpc::Status maintained = UpsertMasked(ZhangSan(), "k-points", {"points"}, &response);
  EXPECT_THAT(maintained.error_message(), HasSubstr("maintained by the server"));
}

}  // namespace
}  // namespace clientele
