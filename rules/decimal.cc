#include "rules/decimal.h"

#include <algorithm>
#include <cstdlib>

#include "absl/status/status.h"
#include "common/strings.h"

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


// The value in units rounded to a multiple of `step` (a power of ten), in
// 128 bits so that the ends of the range cannot overflow.
__int128 RoundedUnits(int64_t units, int64_t step) {
  __int128 quotient = units / step;
  int64_t remainder = units % step;
  if (remainder != 0 && (remainder < 0 ? -remainder : remainder) * 2 >= step) {
    quotient += units < 0 ? -1 : 1;
  }
  return quotient * step;
}

bool Fits(__int128 units) { return units >= INT64_MIN && units <= INT64_MAX; }

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
  digits = std::clamp(digits, 0, kScaleDigits);
  // Rounded in 128 bits: at the ends of the range the rounded value may not
  // fit in a Decimal, but it can still be printed.
  __int128 rounded = RoundedUnits(units_, kPow10[kScaleDigits - digits]);
  unsigned __int128 magnitude = rounded < 0 ? -rounded : rounded;
  std::string text = StrCat(rounded < 0 ? "-" : "",
                            static_cast<uint64_t>(magnitude / kScale));
  if (digits > 0) {
    std::string fraction = std::to_string(static_cast<uint64_t>(magnitude % kScale) + kScale).substr(1);
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


bool Decimal::Round(Decimal a, int digits, Decimal* out) {
  digits = std::clamp(digits, 0, kScaleDigits);
  __int128 units = RoundedUnits(a.units_, kPow10[kScaleDigits - digits]);
  if (!Fits(units)) return false;
  *out = Decimal(static_cast<int64_t>(units));
  return true;
}

bool Decimal::Floor(Decimal a, Decimal* out) {
  __int128 whole = static_cast<__int128>(a.units_ / kScale) * kScale;
  if (whole > a.units_) whole -= kScale;
  if (!Fits(whole)) return false;
  *out = Decimal(static_cast<int64_t>(whole));
  return true;
}

bool Decimal::Ceil(Decimal a, Decimal* out) {
  __int128 whole = static_cast<__int128>(a.units_ / kScale) * kScale;
  if (whole < a.units_) whole += kScale;
  if (!Fits(whole)) return false;
  *out = Decimal(static_cast<int64_t>(whole));
  return true;
}

Decimal Decimal::Round(int digits) const {
  Decimal rounded = *this;
  Round(*this, digits, &rounded);
  return rounded;
}

}  // namespace clientele::rules
