#include "rules/decimal.h"

#include <cstdlib>

#include "absl/status/status.h"
#include "rules/internal/strings.h"

namespace clientele::rules {
namespace {

constexpr int64_t kPow10[] = {1, 10, 100, 1000, 10000};

// Divides the 128-bit `numerator` by `denominator`, rounding halves away
// from zero. False when the quotient does not fit in 64 bits.
bool DivideRounded(__int128 numerator, __int128 denominator, int64_t* out) {
  if (denominator == 0) return false;
  __int128 quotient = numerator / denominator;
  __int128 remainder = numerator % denominator;
  __int128 twice = remainder < 0 ? -remainder * 2 : remainder * 2;
  __int128 abs_den = denominator < 0 ? -denominator : denominator;
  if (twice >= abs_den) quotient += ((numerator < 0) != (denominator < 0)) ? -1 : 1;
  if (quotient > INT64_MAX || quotient < INT64_MIN) return false;
  *out = static_cast<int64_t>(quotient);
  return true;
}

}  // namespace

absl::StatusOr<Decimal> Decimal::Parse(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        StrCat("'", text, "' is not a decimal number: ", why));
  };
  if (text.empty()) return invalid("it is empty");
  size_t i = 0;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    i = 1;
  }
  __int128 units = 0;
  int integer_digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    units = units * 10 + (text[i] - '0');
    ++integer_digits;
    if (units > INT64_MAX / kScale + 1) return invalid("it is too large");
  }
  int fraction_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (++fraction_digits > kScaleDigits) {
        return invalid("it has more than 4 digits after the decimal point");
      }
      units = units * 10 + (text[i] - '0');
    }
    if (fraction_digits == 0) return invalid("a digit must follow the '.'");
  }
  if (integer_digits == 0) return invalid("it must start with a digit");
  if (i != text.size()) {
    return invalid(StrCat("unexpected '", text.substr(i, 1), "'"));
  }
  units *= kPow10[kScaleDigits - fraction_digits];
  if (negative) units = -units;
  if (units > INT64_MAX || units < INT64_MIN) return invalid("it is too large");
  return Decimal(static_cast<int64_t>(units));
}

std::string Decimal::ToString() const {
  std::string text = ToFixed(kScaleDigits);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

std::string Decimal::ToFixed(int digits) const {
  if (digits < 0) digits = 0;
  if (digits > kScaleDigits) digits = kScaleDigits;
  int64_t rounded = Round(digits).units_;
  // Work on the magnitude in unsigned arithmetic: INT64_MIN has no positive
  // counterpart.
  uint64_t magnitude = rounded < 0 ? 0 - static_cast<uint64_t>(rounded)
                                   : static_cast<uint64_t>(rounded);
  std::string text = StrCat(rounded < 0 ? "-" : "", magnitude / kScale);
  if (digits > 0) {
    std::string fraction = std::to_string(magnitude % kScale + kScale).substr(1);
    StrAppend(&text, ".", fraction.substr(0, digits));
  }
  return text;
}

bool Decimal::Add(Decimal a, Decimal b, Decimal* out) {
  int64_t sum;
  if (__builtin_add_overflow(a.units_, b.units_, &sum)) return false;
  *out = Decimal(sum);
  return true;
}

bool Decimal::Subtract(Decimal a, Decimal b, Decimal* out) {
  int64_t difference;
  if (__builtin_sub_overflow(a.units_, b.units_, &difference)) return false;
  *out = Decimal(difference);
  return true;
}

bool Decimal::Multiply(Decimal a, Decimal b, Decimal* out) {
  int64_t units;
  if (!DivideRounded(static_cast<__int128>(a.units_) * b.units_, kScale, &units)) {
    return false;
  }
  *out = Decimal(units);
  return true;
}

bool Decimal::Divide(Decimal a, Decimal b, Decimal* out) {
  int64_t units;
  if (!DivideRounded(static_cast<__int128>(a.units_) * kScale, b.units_, &units)) {
    return false;
  }
  *out = Decimal(units);
  return true;
}

bool Decimal::Remainder(Decimal a, Decimal b, Decimal* out) {
  if (b.units_ == 0) return false;
  if (b.units_ == -1) {  // INT64_MIN % -1 traps
    *out = Decimal(0);
    return true;
  }
  *out = Decimal(a.units_ % b.units_);
  return true;
}

bool Decimal::Negate(Decimal a, Decimal* out) {
  if (a.units_ == INT64_MIN) return false;
  *out = Decimal(-a.units_);
  return true;
}

Decimal Decimal::Round(int digits) const {
  if (digits >= kScaleDigits) return *this;
  if (digits < 0) digits = 0;
  int64_t step = kPow10[kScaleDigits - digits];
  int64_t units;
  // Cannot overflow: the quotient is smaller in magnitude than units_ ...
  DivideRounded(units_, step, &units);
  __int128 scaled = static_cast<__int128>(units) * step;
  // ... but scaling back up can exceed the range at the very edge; clamp.
  if (scaled > INT64_MAX) scaled -= step;
  if (scaled < INT64_MIN) scaled += step;
  return Decimal(static_cast<int64_t>(scaled));
}

Decimal Decimal::Floor() const {
  int64_t whole = units_ / kScale * kScale;
  if (whole > units_) whole -= kScale;
  return Decimal(whole);
}

Decimal Decimal::Ceil() const {
  int64_t whole = units_ / kScale * kScale;
  if (whole < units_) whole += kScale;
  return Decimal(whole);
}

}  // namespace clientele::rules
