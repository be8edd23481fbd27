// Exact decimal numbers for rules: money, satisfaction scores, thresholds.
//
// A Decimal is a fixed-point number with exactly four fractional digits,
// held as a 64-bit count of ten-thousandths. 4.0 + 0.1 is exactly 4.1, and
// amounts never pass through binary floating point. The range is
// ±922 trillion (INT64_MAX / 10^4), far beyond any price,
// score or points balance.
//
// Arithmetic reports overflow instead of wrapping: the checked operations
// return false and leave *out unchanged. Division and multiplication round
// the exact result to four decimals, halves away from zero.
//
// Decimal is a value type; all operations are pure and thread-safe.
#ifndef CLIENTELE_RULES_DECIMAL_H_
#define CLIENTELE_RULES_DECIMAL_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace clientele::rules {

class Decimal {
 public:
  static constexpr int kScaleDigits = 4;
  static constexpr int64_t kScale = 10'000;

  constexpr Decimal() = default;

  // The number `units` / 10^4. Decimal::FromUnits(41000) is 4.1.
  static constexpr Decimal FromUnits(int64_t units) { return Decimal(units); }
  // The whole number `value`; REQUIRES: |value| <= kMaxInteger.
  static constexpr Decimal FromInteger(int64_t value) {
    return Decimal(value * kScale);
  }
  static constexpr int64_t kMaxInteger = INT64_MAX / kScale;

  // Parses "12", "-3.5", "0.0001", "+7". At most four fractional digits;
  // no exponent, no spaces, no thousands separators. Returns
  // INVALID_ARGUMENT naming the problem otherwise.
  static absl::StatusOr<Decimal> Parse(std::string_view text);

  constexpr int64_t units() const { return units_; }
  constexpr bool IsInteger() const { return units_ % kScale == 0; }
  // The integer part, truncated toward zero.
  constexpr int64_t IntegerPart() const { return units_ / kScale; }

  // Shortest exact text: "4.1", "-0.25", "100". Never uses an exponent.
  std::string ToString() const;
  // Text with exactly `digits` fractional digits (0..4), rounded half away
  // from zero: ToFixed(2) of 4.125 is "4.13".
  std::string ToFixed(int digits) const;
  // Nearest double, for display and statistics only, never for storage.
  double ToDouble() const { return static_cast<double>(units_) / kScale; }

  // Checked arithmetic: false on overflow or division by zero.
  static bool Add(Decimal a, Decimal b, Decimal* out);
  static bool Subtract(Decimal a, Decimal b, Decimal* out);
  static bool Multiply(Decimal a, Decimal b, Decimal* out);
  static bool Divide(Decimal a, Decimal b, Decimal* out);
  static bool Remainder(Decimal a, Decimal b, Decimal* out);
  static bool Negate(Decimal a, Decimal* out);

  // Rounds to `digits` fractional digits (0..4), halves away from zero;
  // floors and ceilings to whole numbers. False (and *out unchanged) when
  // the result is outside the range, which only happens within one unit of
  // its ends.
  static bool Round(Decimal a, int digits, Decimal* out);
  static bool Floor(Decimal a, Decimal* out);
  static bool Ceil(Decimal a, Decimal* out);
  // The same, for values known to be far from the ends of the range (for
  // example ones that came from a parsed text); REQUIRES: representable.
  Decimal Round(int digits) const;

  constexpr auto operator<=>(const Decimal&) const = default;

 private:
  constexpr explicit Decimal(int64_t units) : units_(units) {}
  int64_t units_ = 0;
};

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_DECIMAL_H_
