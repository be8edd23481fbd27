#include "server/api/requests.h"

#include <algorithm>
#include <vector>

#include "common/utf8.h"
#include "rules/diagnostic.h"

namespace clientele::server::api_internal {

using rules::Date;

absl::Status Invalid(std::string_view field, std::string_view problem) {
  return WithField(absl::InvalidArgumentError(StrCat(field, ": ", problem)), field);
}

absl::Status CheckText(std::string_view field, std::string_view text, size_t max_bytes,
                       bool required, TextKind kind) {
  if (required && text.empty()) return Invalid(field, "is required");
  if (text.size() > max_bytes) {
    return Invalid(field, StrCat("is ", text.size(), " bytes; at most ", max_bytes, " allowed"));
  }
  if (size_t bad = utf8::FindInvalidUtf8(text); bad != std::string_view::npos) {
    return Invalid(field, StrCat("is not valid UTF-8 (byte ", bad, ")"));
  }
  const std::string_view allowed = kind == TextKind::kFreeText ? "\t\n\r" : "";
  if (size_t bad = FindControlCharacter(text, allowed); bad != std::string_view::npos) {
    const auto byte = static_cast<unsigned char>(text[bad]);
    const unsigned code = byte == 0xc2 ? static_cast<unsigned char>(text[bad + 1]) : byte;
    std::string hex = HexByte(static_cast<unsigned char>(code));
    for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return WithReason(
        Invalid(field, StrCat("contains the control character U+00", hex, " (byte ",
                              bad, "); ",
                              kind == TextKind::kFreeText
                                  ? "only tab and line breaks are allowed"
                                  : "none is allowed")),
        kReasonControlCharacter);
  }
  return absl::OkStatus();
}

absl::Status CheckDecimalText(std::string_view field, std::string_view text) {
  size_t i = !text.empty() && text[0] == '-' ? 1 : 0;  // a negative is refused by its range
  const size_t digits_start = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  bool ok = i > digits_start;
  if (ok && i < text.size() && text[i] == '.') {
    const size_t point = i++;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    ok = i - point - 1 >= 1 && i - point - 1 <= static_cast<size_t>(rules::Decimal::kScaleDigits);
  }
  if (ok && i == text.size()) return absl::OkStatus();
  return Invalid(field, StrCat("'", text,
                               "' is not decimal text: digits, optionally '.' and 1 to 4 digits, "
                               "without '+' or spaces (e.g. 199.90)"));
}

absl::Status CheckNotAfter(std::string_view field, Date day, Date today) {
  if (!day.known() || !(today < day)) return absl::OkStatus();
  return WithReason(Invalid(field, StrCat("is in the future (after today, ", today.ToString(), ", the programme's day)")),
                    kReasonDateInFuture);
}

// Ids: 1..64 bytes of letters, digits and - _ . :
absl::Status CheckId(std::string_view field, std::string_view id) {
  if (id.empty()) return Invalid(field, "is required");
  if (id.size() > kMaxIdBytes) {
    return Invalid(field, StrCat("is ", id.size(), " bytes; at most ", kMaxIdBytes, " allowed"));
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return Invalid(field, "may contain only letters, digits and - _ . :");
  }
  return absl::OkStatus();
}

absl::Status CheckKey(std::string_view key) {
  return CheckText("idempotency_key", key, kMaxKeyBytes, true);
}

// "YYYY-MM-DD", or `fallback` when empty.
absl::StatusOr<Date> ParseDay(std::string_view field, std::string_view text, Date fallback) {
  if (text.empty()) return fallback;
  if (absl::Status s = CheckText(field, text, 50, false); !s.ok()) return s;
  absl::StatusOr<Date> day = Date::Parse(text);
  if (!day.ok()) return Invalid(field, View(day.status().message()));
  return *day;
}

absl::StatusOr<int> CheckListSize(std::string_view field, int32_t size) {
  if (size == 0) return kDefaultPageSize;
  if (size < 1 || size > kMaxPageSize) {
    return Invalid(field, StrCat("must be 0 (default ", kDefaultPageSize, ") to ", kMaxPageSize,
                                 ", not ", size));
  }
  return size;
}

absl::Status CheckDimension(std::string_view field, std::string_view dimension,
                            const rules::RuleSet& ruleset) {
  const std::vector<std::string> dimensions = ruleset.DimensionIds();
  if (std::find(dimensions.begin(), dimensions.end(), dimension) != dimensions.end()) {
    return absl::OkStatus();
  }
  if (absl::Status s = CheckText(field, dimension, 200, true); !s.ok()) return s;
  return WithReason(Invalid(field, StrCat("'", dimension, "' is not a dimension of the rules",
                                          rules::DidYouMeanSuffix(dimension, dimensions), " (",
                                          StrJoin(dimensions, ", "), ")")),
                    kReasonUnknownDimension);
}

absl::Status CheckSegment(std::string_view dimension_field, std::string_view dimension,
                          std::string_view segment_field, std::string_view segment,
                          const rules::RuleSet& ruleset) {
  if (absl::Status s = CheckDimension(dimension_field, dimension, ruleset); !s.ok()) return s;
  if (absl::Status s = CheckText(segment_field, segment, 200, true); !s.ok()) return s;
  const std::vector<std::string> segments = ruleset.SegmentNames(dimension);
  if (std::find(segments.begin(), segments.end(), segment) != segments.end()) {
    return absl::OkStatus();
  }
  constexpr size_t kMaxListed = 20;
  const std::string listed =
      segments.size() <= kMaxListed ? StrCat(" (", StrJoin(segments, ", "), ")") : "";
  return WithReason(
      Invalid(segment_field, StrCat("'", segment, "' is not a segment of dimension '", dimension,
                                    "'", rules::DidYouMeanSuffix(segment, segments), listed)),
      kReasonUnknownSegment);
}

absl::Status CheckSegmentFilter(std::string_view field, const v1::SegmentFilter& filter,
                                const rules::RuleSet& ruleset) {
  return CheckSegment(StrCat(field, ".dimension"), filter.dimension(), StrCat(field, ".segment"),
                      filter.segment(), ruleset);
}

}  // namespace clientele::server::api_internal
