// Tokens and roles without a server: what Authenticator accepts, and that
// the table of roles names every RPC of clientele.v1 (and nothing else).
#include "server/api/auth.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/rpc_methods.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

Authenticator Make() {
  absl::StatusOr<Authenticator> made =
      Authenticator::Create({{"dashboard", Role::kReader, Sha256Hex("r-token")},
                             {"crm", Role::kWriter, Sha256Hex("w-token")},
                             {"ops", Role::kAdmin, Sha256Hex("a-token")}});
  EXPECT_THAT(made.status(), IsOk());
  return *std::move(made);
}

TEST(AuthenticatorTest, KnownBearerTokensAreTheirCallers) {
  const Authenticator auth = Make();
  absl::StatusOr<Caller> caller = auth.Authenticate("Bearer w-token");
  ASSERT_THAT(caller.status(), IsOk());
  EXPECT_EQ(caller->name, "crm");
  EXPECT_EQ(caller->role, Role::kWriter);
  // The scheme is case-insensitive (RFC 6750).
  EXPECT_THAT(auth.Authenticate("bearer a-token").status(), IsOk());
  EXPECT_THAT(auth.Authenticate("BEARER r-token").status(), IsOk());
}

TEST(AuthenticatorTest, MissingMalformedAndUnknownTokensAreUnauthenticated) {
  const Authenticator auth = Make();
  EXPECT_THAT(auth.Authenticate(std::nullopt).status(),
              StatusIs(absl::StatusCode::kUnauthenticated, "no token"));
  for (const char* header : {"w-token", "Basic dXNlcjpw", "Bearer", "Bearer ", "Bearerw-token"}) {
    EXPECT_EQ(auth.Authenticate(header).status().code(), absl::StatusCode::kUnauthenticated)
        << header;
  }
  const absl::Status unknown = auth.Authenticate("Bearer w-token2").status();
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kUnauthenticated, "not one this server accepts"));
  // The message never echoes what was sent.
  EXPECT_THAT(std::string(unknown.message()), Not(HasSubstr("w-token2")));
  // The hash is not the token.
  EXPECT_EQ(auth.Authenticate("Bearer " + Sha256Hex("w-token")).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(AuthenticatorTest, EachRoleMayCallWhatItsPermissionsAllow) {
  const Caller reader{"dashboard", Role::kReader};
  const Caller writer{"crm", Role::kWriter};
  const Caller marketer{"mei", Role::kMarketer};
  const Caller approver{"ana", Role::kApprover};
  const Caller admin{"ops", Role::kAdmin};
  EXPECT_THAT(Authenticator::Authorize(reader, "Evaluate"), IsOk());
  EXPECT_THAT(Authenticator::Authorize(reader, "RecordPurchase"),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "'dashboard' (role reader) may not call RecordPurchase: it needs the role "
                       "writer or admin"));
  EXPECT_THAT(Authenticator::Authorize(writer, "RecordPurchase"), IsOk());
  EXPECT_THAT(Authenticator::Authorize(writer, "Evaluate"), IsOk());
  EXPECT_THAT(Authenticator::Authorize(writer, "DeleteCustomer"),
              StatusIs(absl::StatusCode::kPermissionDenied, "needs the role admin"));
  // Marketing reads and simulates, but records no purchase and deletes
  // no customer: not a ladder.
  for (const Caller& caller : {marketer, approver}) {
    EXPECT_THAT(Authenticator::Authorize(caller, "Evaluate"), IsOk());
    EXPECT_THAT(Authenticator::Authorize(caller, "SimulateRuleset"), IsOk());
    EXPECT_THAT(Authenticator::Authorize(caller, "RecordPurchase"),
                StatusIs(absl::StatusCode::kPermissionDenied, "needs the role writer or admin"));
    EXPECT_THAT(Authenticator::Authorize(caller, "ReloadRuleset"),
                StatusIs(absl::StatusCode::kPermissionDenied, "needs the role admin"));
  }
  EXPECT_THAT(Authenticator::Authorize(admin, "DeleteCustomer"), IsOk());
  EXPECT_THAT(Authenticator::Authorize(admin, "Backup"), IsOk());
  // A method the table does not know is open to no one.
  EXPECT_THAT(Authenticator::Authorize(admin, "DropEverything"),
              StatusIs(absl::StatusCode::kPermissionDenied, "not open to any role"));
}

TEST(RolesTest, ThePermissionsOfEachRole) {
  const std::map<Role, std::set<Permission>> expected = {
      {Role::kReader, {Permission::kRead}},
      {Role::kWriter, {Permission::kRead, Permission::kWrite}},
      {Role::kMarketer, {Permission::kRead, Permission::kDraft}},
      {Role::kApprover, {Permission::kRead, Permission::kDraft, Permission::kApprove}},
      {Role::kAdmin,
       {Permission::kRead, Permission::kWrite, Permission::kDraft, Permission::kApprove,
        Permission::kAdminister}}};
  ASSERT_EQ(AllRoles().size(), expected.size());
  for (Role role : AllRoles()) {
    SCOPED_TRACE(std::string(RoleName(role)));
    EXPECT_EQ(ParseRole(RoleName(role)), role);
    for (Permission permission : {Permission::kRead, Permission::kWrite, Permission::kDraft,
                                  Permission::kApprove, Permission::kAdminister}) {
      EXPECT_EQ(Allows(role, permission), expected.at(role).count(permission) == 1)
          << PermissionName(permission);
    }
  }
  EXPECT_EQ(ParseRole("Admin"), std::nullopt);
  EXPECT_EQ(ParseRole("superuser"), std::nullopt);
  EXPECT_EQ(RolesWith(Permission::kApprove), "approver or admin");
  EXPECT_EQ(RolesWith(Permission::kDraft), "marketer, approver or admin");
}

TEST(AuthenticatorTest, CreateRefusesBadHashesAndRepeats) {
  EXPECT_THAT(Authenticator::Create({{"a", Role::kReader, "demo-admin-token"}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "64 hex digits"));
  EXPECT_THAT(Authenticator::Create(
                  {{"a", Role::kReader, Sha256Hex("x")}, {"a", Role::kAdmin, Sha256Hex("y")}})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "appears twice"));
  EXPECT_THAT(Authenticator::Create(
                  {{"a", Role::kReader, Sha256Hex("x")}, {"b", Role::kAdmin, Sha256Hex("x")}})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "same sha256"));
}

TEST(AuthenticatorTest, TokenHashIsTheHexSha256) {
  EXPECT_EQ(TokenHash("demo-admin-token"),
            "91c16f0d6cc1bec3c3603972182a07c66ff4fa71618a975e963d6dbe42b6dd37");
  EXPECT_TRUE(IsTokenHash(TokenHash("x")));
  EXPECT_FALSE(IsTokenHash(TokenHash("x").substr(1)));
  EXPECT_FALSE(IsTokenHash(std::string(64, 'g')));
}

// Every method of every clientele.v1 service, from the protos themselves.
std::set<std::string> ProtoMethods() {
  std::set<std::string> methods;
  for (const testing::RpcMethod& method : testing::EveryRpc()) {
    methods.insert(method.service + "/" + method.name);
  }
  return methods;
}

// A proto file with a service that EveryRpc does not read would go
// unwalked: the list must name each of proto/clientele/v1.
TEST(MethodPermissionsTest, EveryProtoFileWithAServiceIsWalked) {
  std::set<std::string> listed;
  for (const google::protobuf::FileDescriptor* file : testing::FilesWithServices()) {
    EXPECT_TRUE(listed.insert(file->name()).second) << file->name();
  }
  std::set<std::string> on_disk;
  for (const auto& entry :
       std::filesystem::directory_iterator(CLIENTELE_SOURCE_DIR "/proto/clientele/v1")) {
    std::ifstream in(entry.path());
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().find("\nservice ") != std::string::npos) {
      on_disk.insert("clientele/v1/" + entry.path().filename().string());
    }
  }
  EXPECT_EQ(listed, on_disk);
}

TEST(MethodPermissionsTest, TheTableNamesEveryRpcOnce) {
  std::set<std::string> table;
  std::set<std::string_view> names;
  for (const MethodPermission& entry : MethodPermissions()) {
    EXPECT_TRUE(table.insert(std::string(entry.service) + "/" + std::string(entry.method)).second)
        << entry.method;
    // RequiredPermission goes by the bare name, which must therefore be unique.
    EXPECT_TRUE(names.insert(entry.method).second) << entry.method;
  }
  EXPECT_EQ(table, ProtoMethods());
}

TEST(MethodPermissionsTest, ThePermissionsOfTheIssue) {
  for (const char* method : {"Evaluate", "GetCustomer", "ListCustomers", "SegmentSizes",
                             "FeedbackReport", "GetLedger", "SimulateRuleset"}) {
    EXPECT_EQ(RequiredPermission(method), Permission::kRead) << method;
  }
  for (const char* method : {"RecordPurchase", "RecordInteraction", "ReturnPurchase",
                             "SubmitFeedback", "UpsertCustomer", "ImportCustomers"}) {
    EXPECT_EQ(RequiredPermission(method), Permission::kWrite) << method;
  }
  for (const char* method : {"ReloadRuleset", "ApplyImprovementAction", "DismissImprovementAction",
                             "DeleteCustomer", "Backup", "ListLoggedDecisions"}) {
    EXPECT_EQ(RequiredPermission(method), Permission::kAdminister) << method;
  }
}

}  // namespace
}  // namespace clientele::server
