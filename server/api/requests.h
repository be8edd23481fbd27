// Request validation shared by the API classes of server/api/: checks that
// name the field of a request they refuse (INVALID_ARGUMENT "field:
// problem", with a reason of common/status_details.h where there is one).
// Used by server/api/ and by server/api/grpc/ (Diagnostics.Ping checks its
// request); stateless and thread-safe.
#ifndef CLIENTELE_SERVER_API_REQUESTS_H_
#define CLIENTELE_SERVER_API_REQUESTS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clientele/v1/types.pb.h"
#include "common/status_details.h"
#include "common/strings.h"
#include "rules/ruleset.h"

namespace clientele::server::api_internal {

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
// (FindControlCharacter in common/strings.h: C0, DEL, C1). The message
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

// How many a List request wants, in its `field` (page_size, limit): 0
// means kDefaultPageSize; 1..kMaxPageSize (more is INVALID_ARGUMENT, not
// cut down).
absl::StatusOr<int> CheckListSize(std::string_view field, int32_t size);
inline absl::StatusOr<int> CheckPageSize(int32_t page_size) {
  return CheckListSize("page_size", page_size);
}

// A dimension the ruleset has (else INVALID_ARGUMENT listing them, with a
// did-you-mean: UNKNOWN_DIMENSION).
absl::Status CheckDimension(std::string_view field, std::string_view dimension,
                            const rules::RuleSet& ruleset);

// A dimension the ruleset has and a segment it can assign (else
// INVALID_ARGUMENT naming the field, with a did-you-mean:
// UNKNOWN_DIMENSION or UNKNOWN_SEGMENT).
absl::Status CheckSegment(std::string_view dimension_field, std::string_view dimension,
                          std::string_view segment_field, std::string_view segment,
                          const rules::RuleSet& ruleset);

// A segment filter of a request: the dimension must be one the ruleset
// has, and the segment one that dimension can assign (else
// INVALID_ARGUMENT with a did-you-mean: UNKNOWN_SEGMENT).
absl::Status CheckSegmentFilter(std::string_view field, const v1::SegmentFilter& filter,
                                const rules::RuleSet& ruleset);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_REQUESTS_H_
