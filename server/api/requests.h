// Helpers shared by the operations of the clientele services (server/
// *_ops.cc): request validation that names the field, conversions between
// protos and rules types, idempotent writes and rules evaluation with the
// service's error mapping. Internal to server/; stateless and thread-safe.
#ifndef CLIENTELE_SERVER_SERVICE_INTERNAL_H_
#define CLIENTELE_SERVER_SERVICE_INTERNAL_H_

#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clientele/v1/types.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "rules/ruleset.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "server/api/grpc/services.h"
#include "common/status_details.h"
#include "server/store.h"

namespace clientele::server::service_internal {

constexpr size_t kMaxIdBytes = 64;
constexpr size_t kMaxKeyBytes = 128;
constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
inline const rules::Decimal kMaxAmount = rules::Decimal::FromInteger(100'000'000);

// INVALID_ARGUMENT "field: problem", about `field` (status_details.h).
absl::Status Invalid(std::string_view field, std::string_view problem);

// What a text field may hold besides printable characters. kLine (names,
// genders, occupations, products, actors, tiers, segments, attribute
// names, file names): no control character at all. kFreeText (interaction
// and feedback texts, notes, attribute values: what people write in
// several lines): tab, line feed and carriage return, and no other.
enum class TextKind { kLine, kFreeText };

// Text that is well-formed UTF-8 of at most `max_bytes` (and not empty
// when `required`), without control characters but those `kind` allows
// (FindControlCharacter in rules/strings.h: C0, DEL, C1). The message
// names the character's code point, never the character.
absl::Status CheckText(std::string_view field, std::string_view text, size_t max_bytes,
                       bool required, TextKind kind = TextKind::kLine);

// Decimal text of a request (amounts, satisfaction): an optional '-',
// digits, then optionally '.' and 1..4 digits. No '+', no spaces, no
// exponent, no thousands separators: "199.90", "0", "5". Only the syntax;
// ranges are the caller's (so "-5" is refused by its range, with the
// range's message).
absl::Status CheckDecimalText(std::string_view field, std::string_view text);

// A day of a request that cannot be in the future (a birthday, a joining
// day, a purchase): after `today` is INVALID_ARGUMENT (DATE_IN_FUTURE).
absl::Status CheckNotAfter(std::string_view field, rules::Date day, rules::Date today);

// Ids: 1..64 bytes of letters, digits and - _ . :
absl::Status CheckId(std::string_view field, std::string_view id);

// Idempotency keys: 1..128 bytes of UTF-8 without control characters.
absl::Status CheckKey(std::string_view key);

// "YYYY-MM-DD", or `fallback` when empty.
absl::StatusOr<rules::Date> ParseDay(std::string_view field, std::string_view text,
                                     rules::Date fallback);

// A page size of a List request: 0 means kDefaultPageSize; 1..kMaxPageSize
// (more is INVALID_ARGUMENT, not cut down).
absl::StatusOr<int> CheckPageSize(int32_t page_size);

// Page tokens (AIP-158) are opaque: a position in the listing (e.g. the
// last id of the page) and an HMAC-SHA256 under `key` (the store's
// page_token_key) of the position, the method and the request's other
// fields (page_token and page_size aside). So a token never issued,
// altered, or sent with another filter or to another method is refused.
// The token that continues `request` of `method` after `position`.
std::string IssuePageToken(std::string_view key, std::string_view method,
                           const google::protobuf::Message& request, std::string_view position);
// The position of `token` sent with `request` ("" for an empty token), or
// INVALID_ARGUMENT about page_token (INVALID_PAGE_TOKEN).
absl::StatusOr<std::string> ReadPageToken(std::string_view key, std::string_view method,
                                          const google::protobuf::Message& request,
                                          std::string_view token);
// ReadPageToken for a position that is a row id: 0 for the first page.
absl::StatusOr<int64_t> ReadIdPageToken(std::string_view key, std::string_view method,
                                        const google::protobuf::Message& request,
                                        std::string_view token);

// The served version that `version` names (12 hex digits, or at least the
// first 4), with its files. INVALID_ARGUMENT for anything else or a prefix
// of several; NOT_FOUND when it was never served.
absl::StatusOr<RulesetVersionRecord> FindServedVersion(Store& store, std::string_view version);

// A rule diagnostic as the Rulesets service reports it (with its
// compiler-style rendering).
void DiagnosticToProto(const rules::Diagnostic& d, v1::RuleDiagnostic* out);

// SHA-256 of the request's bytes, hex: what idempotency compares.
std::string Fingerprint(const google::protobuf::Message& request);

// Adds the message's bytes prefixed by their length to `hash`, so that
// the same bytes split into other messages hash differently.
void AddMessageToHash(const google::protobuf::Message& message, Sha256* hash);

// The customer of a request. Profile fields always; with `maintained`, the
// fields the server maintains too (an inline customer to evaluate).
absl::StatusOr<rules::Customer> CustomerFromProto(const v1::Customer& p, bool maintained,
                                                  const RequestLimits& limits);
void CustomerToProto(const rules::Customer& c, v1::Customer* p);
void DecisionToProto(const rules::Customer& customer, const rules::Decision& d,
                     const rules::Explanation* explanation, v1::Decision* p);

// The stored customer, or NOT_FOUND "customer 'id' not found".
absl::StatusOr<rules::Customer> RequireCustomer(Transaction& tx, std::string_view id,
                                                rules::Date today);

// Evaluates the rules; a failing rule (overflow, division by zero) is
// FAILED_PRECONDITION naming it, since the request itself was fine, and an
// evaluation over the work limit RESOURCE_EXHAUSTED (nothing evaluated).
absl::Status EvaluateRules(const rules::RuleSet& ruleset, const rules::EvalInput& input,
                           rules::Decision* decision, rules::Explanation* explanation = nullptr);

// A decision just served, for the decision log.
struct DecisionToLog {
  std::string_view method;   // "Evaluate" | "EvaluateMany"
  std::string_view caller;   // the token's name
  std::string_view subject;  // "stored" | "inline"
  rules::Date today;
  bool explain = false;
  const rules::Customer& customer;  // as evaluated
  const v1::Decision& decision;     // as served
};
// Puts the decision in `log` (may be null: no log) when the log samples
// it, with the customer's personal fields masked (see LoggedRequest in
// decisions.proto). Cheap when not sampled; never fails the decision.
void MaybeLogDecision(DecisionLog* log, const DecisionToLog& made);

// A dimension the ruleset has (else INVALID_ARGUMENT listing them, with a
// did-you-mean: UNKNOWN_DIMENSION).
absl::Status CheckDimension(std::string_view field, std::string_view dimension,
                            const rules::RuleSet& ruleset);

// A segment filter of a request: the dimension must be one the ruleset
// has, and the segment one that dimension can assign (else
// INVALID_ARGUMENT with a did-you-mean: UNKNOWN_SEGMENT).
absl::Status CheckSegmentFilter(std::string_view field, const v1::SegmentFilter& filter,
                                const rules::RuleSet& ruleset);

// The editable customer fields an upsert changes: every one (no
// update_mask, or "*"), or those the mask names.
struct CustomerMask {
  bool all = true;
  std::vector<std::string> fields;  // when !all
  bool Has(std::string_view field) const;
};
// The mask of UpsertCustomerRequest.update_mask: INVALID_ARGUMENT about
// update_mask.paths for a path that is not an editable field (a
// maintained one says so; an unknown one gets a did-you-mean).
absl::StatusOr<CustomerMask> ParseCustomerMask(const google::protobuf::FieldMask& mask);

struct UpsertedCustomer {
  rules::Customer stored;  // as stored, with its tier
  bool created = false;
};

// Creates or replaces the customer's profile inside `tx`: an omitted
// satisfaction (`satisfaction_given` false) keeps the one interactions
// have built up, the fields `mask` does not name keep their stored
// values (read in `tx`, so no other write comes in between; a new
// customer gets them unknown, joined today), and the tier follows the
// balance by the loyalty rules.
absl::StatusOr<UpsertedCustomer> UpsertCustomerIn(Transaction& tx, rules::Customer customer,
                                                  bool satisfaction_given,
                                                  const rules::RuleSet& ruleset,
                                                  rules::Date today,
                                                  const CustomerMask& mask = {});

// Runs a write through the store's idempotency and parses its response.
// `fingerprint` identifies the request (Fingerprint(request) for unary
// calls).
template <typename Response, typename Write>
absl::Status IdempotentWriteWithFingerprint(Store* store, std::string_view method,
                                            std::string_view fingerprint, std::string_view key,
                                            Response* response, Write write) {
  if (absl::Status s = CheckKey(key); !s.ok()) return s;
  absl::StatusOr<std::string> bytes =
      store->Write({key, method, fingerprint}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
        Response fresh;
        if (absl::Status s = write(tx, &fresh); !s.ok()) return s;
        return fresh.SerializeAsString();
      });
  if (!bytes.ok()) return bytes.status();
  if (!response->ParseFromString(*bytes)) {
    return absl::InternalError(StrCat("stored response of ", method, " is unreadable"));
  }
  return absl::OkStatus();
}

template <typename Response, typename Write>
absl::Status IdempotentWrite(Store* store, std::string_view method,
                             const google::protobuf::Message& request, std::string_view key,
                             Response* response, Write write) {
  return IdempotentWriteWithFingerprint(store, method, Fingerprint(request), key, response,
                                        std::move(write));
}

// IdempotentWrite without waiting for the commit (Store::Submit): `done`
// gets the outcome once, on this thread before returning when the key is
// bad, else on the store's writer or completion thread. `write` is moved into the queue
// and must own what it uses, except `request` and `response`, which must
// live until `done` runs.
template <typename Response, typename Write>
void SubmitIdempotentWrite(Store* store, std::string_view method,
                           const google::protobuf::Message& request, std::string_view key,
                           Store::Deadline deadline, Response* response, Write write,
                           Operations::Done done) {
  if (absl::Status s = CheckKey(key); !s.ok()) return done(std::move(s));
  store->Submit(
      {key, method, Fingerprint(request)}, deadline,
      [write = std::move(write)](Transaction& tx) mutable -> absl::StatusOr<std::string> {
        Response fresh;
        if (absl::Status s = write(tx, &fresh); !s.ok()) return s;
        return fresh.SerializeAsString();
      },
      [method, response, done = std::move(done)](absl::StatusOr<std::string> bytes) mutable {
        if (!bytes.ok()) return done(bytes.status());
        if (!response->ParseFromString(*bytes)) {
          return done(absl::InternalError(StrCat("stored response of ", method, " is unreadable")));
        }
        done(absl::OkStatus());
      });
}

// Runs an asynchronous operation and waits for its outcome: `start` gets
// the Done to call.
absl::Status WaitFor(absl::FunctionRef<void(Operations::Done)> start);

}  // namespace clientele::server::service_internal

#endif  // CLIENTELE_SERVER_SERVICE_INTERNAL_H_
