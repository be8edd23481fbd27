// What a failure says to programs, beside its message: the request field
// it is about and a reason (UPPER_SNAKE_CASE, stable across releases).
// Any layer may attach them to an absl::Status (they ride as payloads);
// the gRPC layer sends them as google.rpc.BadRequest and
// google.rpc.ErrorInfo (docs/operations.md, "Errors"). No gRPC here, so
// that the store can tag its own failures. Pure functions, thread-safe.
// Header-only (Abseil's status and cord).
#ifndef CLIENTELE_COMMON_STATUS_DETAILS_H_
#define CLIENTELE_COMMON_STATUS_DETAILS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/cord.h"

namespace clientele {

// The reasons a client may act on. Every failure carries one: these where
// they apply, else the code's name ("INVALID_ARGUMENT", "NOT_FOUND", ...).
inline constexpr char kReasonIdempotencyKeyReused[] = "IDEMPOTENCY_KEY_REUSED";
inline constexpr char kReasonPurchaseAlreadyRecorded[] = "PURCHASE_ALREADY_RECORDED";
inline constexpr char kReasonPurchaseAlreadyTakenBack[] = "PURCHASE_ALREADY_TAKEN_BACK";
inline constexpr char kReasonNotEnoughPoints[] = "NOT_ENOUGH_POINTS";
inline constexpr char kReasonRedemptionAlreadyReversed[] = "REDEMPTION_ALREADY_REVERSED";
inline constexpr char kReasonOfferNotGiven[] = "OFFER_NOT_GIVEN";
inline constexpr char kReasonOfferLimitReached[] = "OFFER_LIMIT_REACHED";
inline constexpr char kReasonOfferBudgetSpent[] = "OFFER_BUDGET_SPENT";
inline constexpr char kReasonOfferRedemptionAlreadyReversed[] = "OFFER_REDEMPTION_ALREADY_REVERSED";
inline constexpr char kReasonOfferRedemptionOfPurchase[] = "OFFER_REDEMPTION_OF_PURCHASE";
inline constexpr char kReasonOfferAlreadyRedeemed[] = "OFFER_ALREADY_REDEEMED";
inline constexpr char kReasonActionAlreadyDecided[] = "IMPROVEMENT_ACTION_ALREADY_DECIDED";
inline constexpr char kReasonTaskNotOpen[] = "TASK_NOT_OPEN";
inline constexpr char kReasonInvalidPageToken[] = "INVALID_PAGE_TOKEN";
inline constexpr char kReasonUnknownDimension[] = "UNKNOWN_DIMENSION";
inline constexpr char kReasonUnknownSegment[] = "UNKNOWN_SEGMENT";
inline constexpr char kReasonControlCharacter[] = "CONTROL_CHARACTER";
inline constexpr char kReasonDateInFuture[] = "DATE_IN_FUTURE";
inline constexpr char kReasonUnparseableRequest[] = "UNPARSEABLE_REQUEST";

namespace status_details_internal {
// Payload type URLs: never sent as they are, only read back here.
inline constexpr char kReasonUrl[] = "clientele/reason";
inline constexpr char kFieldUrl[] = "clientele/field";

inline std::string Payload(const absl::Status& status, const char* url) {
  auto payload = status.GetPayload(url);  // absl::optional: not std's in Debian's Abseil
  return payload.has_value() ? std::string(*payload) : std::string();
}
}  // namespace status_details_internal

// `status` with `reason`. An OK status is returned unchanged.
inline absl::Status WithReason(absl::Status status, std::string_view reason) {
  status.SetPayload(status_details_internal::kReasonUrl,
                    absl::Cord(absl::string_view(reason.data(), reason.size())));
  return status;
}

// `status` about the request field `field` ("customer.birthday").
inline absl::Status WithField(absl::Status status, std::string_view field) {
  status.SetPayload(status_details_internal::kFieldUrl,
                    absl::Cord(absl::string_view(field.data(), field.size())));
  return status;
}

// The reason attached, or "".
inline std::string ReasonOf(const absl::Status& status) {
  return status_details_internal::Payload(status, status_details_internal::kReasonUrl);
}

// The field attached, or "".
inline std::string FieldOf(const absl::Status& status) {
  return status_details_internal::Payload(status, status_details_internal::kFieldUrl);
}

}  // namespace clientele

#endif  // CLIENTELE_COMMON_STATUS_DETAILS_H_
