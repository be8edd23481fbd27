// Tests rules::Decimal (rules/decimal.h): which texts Parse accepts and
// rejects, ToString / ToFixed (shortest form, rounding half away from zero,
// negatives, the INT64_MIN edge), the checked arithmetic (overflow and
// division by zero report false and leave *out unchanged), and Round /
// Floor / Ceil on both signs. 0.1 added ten times is exactly 1.
#include "rules/decimal.h"

#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace clientele::rules {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;

constexpr Decimal kMax = Decimal::FromUnits(INT64_MAX);
constexpr Decimal kMin = Decimal::FromUnits(INT64_MIN);

// The value of a text that must parse.
Decimal D(std::string_view text) {
  absl::StatusOr<Decimal> value = Decimal::Parse(text);
  EXPECT_THAT(value, IsOk()) << text;
  return value.value_or(Decimal());
}

// Floor and ceiling that must succeed (the value is not at the range's end).
Decimal FloorOf(Decimal d) {
  Decimal out;
  EXPECT_TRUE(Decimal::Floor(d, &out)) << d.ToString();
  return out;
}

Decimal CeilOf(Decimal d) {
  Decimal out;
  EXPECT_TRUE(Decimal::Ceil(d, &out)) << d.ToString();
  return out;
}

TEST(DecimalTest, RoundingAtTheEndsOfTheRangeReportsOverflow) {
  const Decimal min = Decimal::FromUnits(INT64_MIN);
  const Decimal max = Decimal::FromUnits(INT64_MAX);
  Decimal out = Decimal::FromInteger(7);
  EXPECT_FALSE(Decimal::Floor(min, &out));
  EXPECT_FALSE(Decimal::Ceil(max, &out));
  EXPECT_FALSE(Decimal::Round(max, 0, &out));
  EXPECT_EQ(out, Decimal::FromInteger(7));  // unchanged on failure
  EXPECT_EQ(max.ToFixed(3), "922337203685477.581");
  EXPECT_EQ(max.ToFixed(0), "922337203685478");
  EXPECT_EQ(min.ToFixed(0), "-922337203685478");
}

// ---------------------------------------------------------------- Parse

struct ParseCase {
  const char* text;
  int64_t units;
};

TEST(DecimalParseTest, AcceptsPlainSignedAndFractionalNumbers) {
  const ParseCase kCases[] = {
      {"12", 120000},
      {"-3.5", -35000},
      {"0.0001", 1},
      {"-0.0001", -1},
      {"+7", 70000},
      {"0", 0},
      {"-0", 0},
      {"+0.0", 0},
      {"007", 70000},
      {"4.1", 41000},
      {"4.10", 41000},
      {"1.2345", 12345},
      {"100.0000", 1000000},
      {"922337203685477", 9223372036854770000},
      {"922337203685477.5807", INT64_MAX},
      {"-922337203685477.5808", INT64_MIN},
  };
  for (const ParseCase& c : kCases) {
    absl::StatusOr<Decimal> value = Decimal::Parse(c.text);
    ASSERT_THAT(value, IsOk()) << c.text;
    EXPECT_EQ(value->units(), c.units) << c.text;
  }
}

struct RejectCase {
  const char* text;
  const char* why;  // expected message, after "'<text>' is not a decimal number: "
};

TEST(DecimalParseTest, RejectsEverythingElseNamingTheProblem) {
  const RejectCase kCases[] = {
      {"", "it is empty"},
      {"1.23456", "it has more than 4 digits after the decimal point"},
      {"0.00001", "it has more than 4 digits after the decimal point"},
      {"1e3", "unexpected 'e'"},
      {"1E3", "unexpected 'E'"},
      {"1.5e2", "unexpected 'e'"},
      {".5", "it must start with a digit"},
      {"-.5", "it must start with a digit"},
      {"1.", "a digit must follow the '.'"},
      {"-", "it must start with a digit"},
      {"+", "it must start with a digit"},
      {"--1", "it must start with a digit"},
      {"+-1", "it must start with a digit"},
      {"1,000", "unexpected ','"},
      {"1 000", "unexpected ' '"},
      {" 1", "it must start with a digit"},
      {"1 ", "unexpected ' '"},
      {"1.2.3", "unexpected '.'"},
      {"abc", "it must start with a digit"},
      {"0x10", "unexpected 'x'"},
      {"12abc", "unexpected 'a'"},
      {"922337203685477.5808", "it is too large"},
      {"-922337203685477.5809", "it is too large"},
      {"922337203685478", "it is too large"},
      {"-922337203685478", "it is too large"},
      {"99999999999999999999999999999999", "it is too large"},
  };
  for (const RejectCase& c : kCases) {
    const std::string expected = std::string("'") + c.text + "' is not a decimal number: " + c.why;
    absl::StatusOr<Decimal> value = Decimal::Parse(c.text);
    EXPECT_THAT(value, StatusIs(absl::StatusCode::kInvalidArgument, expected)) << c.text;
    if (!value.ok()) {
      EXPECT_EQ(value.status().message(), expected);
    }
  }
}

TEST(DecimalParseTest, ParsesWhatToStringPrints) {
  for (int64_t units : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{41000}, int64_t{-2500},
                        int64_t{123456789}, INT64_MAX, INT64_MIN}) {
    Decimal value = Decimal::FromUnits(units);
    EXPECT_EQ(D(value.ToString()), value) << units;
    EXPECT_EQ(D(value.ToFixed(4)), value) << units;
  }
}

// ---------------------------------------------------------------- text

TEST(DecimalToStringTest, ShortestExactForm) {
  EXPECT_EQ(Decimal::FromUnits(41000).ToString(), "4.1");
  EXPECT_EQ(Decimal::FromInteger(4).ToString(), "4");
  EXPECT_EQ(Decimal::FromInteger(100).ToString(), "100");
  EXPECT_EQ(Decimal::FromInteger(-100).ToString(), "-100");
  EXPECT_EQ(Decimal().ToString(), "0");
  EXPECT_EQ(D("-0").ToString(), "0");
  EXPECT_EQ(D("-0.25").ToString(), "-0.25");
  EXPECT_EQ(D("0.0001").ToString(), "0.0001");
  EXPECT_EQ(D("-0.0001").ToString(), "-0.0001");
  EXPECT_EQ(D("10.5").ToString(), "10.5");
  EXPECT_EQ(D("1000000").ToString(), "1000000");  // never an exponent
  EXPECT_EQ(D("123.4560").ToString(), "123.456");
}

TEST(DecimalToStringTest, ExtremesIncludingInt64Min) {
  EXPECT_EQ(kMax.ToString(), "922337203685477.5807");
  EXPECT_EQ(kMin.ToString(), "-922337203685477.5808");
  EXPECT_EQ(kMin.ToFixed(4), "-922337203685477.5808");
  EXPECT_EQ(kMin.ToFixed(2), "-922337203685477.58");
  EXPECT_EQ(kMax.ToFixed(2), "922337203685477.58");
  EXPECT_EQ(kMax.ToFixed(4), "922337203685477.5807");
}

TEST(DecimalToFixedTest, RoundsHalvesAwayFromZero) {
  EXPECT_EQ(D("4.125").ToFixed(2), "4.13");
  EXPECT_EQ(D("-4.125").ToFixed(2), "-4.13");
  EXPECT_EQ(D("4.1249").ToFixed(2), "4.12");
  EXPECT_EQ(D("-4.1249").ToFixed(2), "-4.12");
  EXPECT_EQ(D("2.5").ToFixed(0), "3");
  EXPECT_EQ(D("-2.5").ToFixed(0), "-3");
  EXPECT_EQ(D("2.4999").ToFixed(0), "2");
  EXPECT_EQ(D("-2.4999").ToFixed(0), "-2");
  EXPECT_EQ(D("0.05").ToFixed(1), "0.1");
  EXPECT_EQ(D("-0.05").ToFixed(1), "-0.1");
  EXPECT_EQ(D("9.9999").ToFixed(3), "10.000");
  EXPECT_EQ(D("-9.9995").ToFixed(3), "-10.000");
}

TEST(DecimalToFixedTest, PadsWithZerosAndNeverPrintsMinusZero) {
  EXPECT_EQ(D("4.1").ToFixed(4), "4.1000");
  EXPECT_EQ(D("4").ToFixed(2), "4.00");
  EXPECT_EQ(D("0").ToFixed(3), "0.000");
  EXPECT_EQ(D("-0.004").ToFixed(2), "0.00");
  EXPECT_EQ(D("-0.005").ToFixed(2), "-0.01");
  EXPECT_EQ(D("-0.4").ToFixed(0), "0");
  EXPECT_EQ(D("0.0001").ToFixed(4), "0.0001");
  EXPECT_EQ(D("-0.0001").ToFixed(4), "-0.0001");
}

TEST(DecimalTest, Accessors) {
  EXPECT_EQ(D("4.1"), Decimal::FromUnits(41000));
  EXPECT_EQ(Decimal::FromInteger(4).units(), 40000);
  EXPECT_TRUE(D("4").IsInteger());
  EXPECT_TRUE(D("-4").IsInteger());
  EXPECT_FALSE(D("4.0001").IsInteger());
  EXPECT_EQ(D("4.9").IntegerPart(), 4);
  EXPECT_EQ(D("-4.9").IntegerPart(), -4);  // toward zero
  EXPECT_DOUBLE_EQ(D("-2.25").ToDouble(), -2.25);
  EXPECT_LT(D("-0.0001"), Decimal());
  EXPECT_GT(D("0.0001"), Decimal());
  EXPECT_LT(D("4.1"), D("4.11"));
  EXPECT_EQ(Decimal::kMaxInteger, 922337203685477);
}

// ---------------------------------------------------------------- arithmetic

TEST(DecimalArithmeticTest, TenTimesPointOneIsExactlyOne) {
  Decimal sum;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Decimal::Add(sum, D("0.1"), &sum));
  EXPECT_EQ(sum, Decimal::FromInteger(1));
  EXPECT_EQ(sum.ToString(), "1");
  Decimal satisfaction = D("4.0");
  ASSERT_TRUE(Decimal::Add(satisfaction, D("0.1"), &satisfaction));
  EXPECT_EQ(satisfaction, D("4.1"));
  // And back down: ten steps of -0.1 from 2 land exactly on 1.
  Decimal down = D("2");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Decimal::Subtract(down, D("0.1"), &down));
  EXPECT_EQ(down, Decimal::FromInteger(1));
}

TEST(DecimalArithmeticTest, AddAndSubtractReportOverflowAndLeaveOutUnchanged) {
  const Decimal sentinel = D("42");
  Decimal out = sentinel;
  EXPECT_FALSE(Decimal::Add(kMax, D("0.0001"), &out));
  EXPECT_EQ(out, sentinel);
  EXPECT_FALSE(Decimal::Add(kMin, D("-0.0001"), &out));
  EXPECT_EQ(out, sentinel);
  EXPECT_FALSE(Decimal::Subtract(kMin, D("0.0001"), &out));
  EXPECT_EQ(out, sentinel);
  EXPECT_FALSE(Decimal::Subtract(Decimal(), kMin, &out));
  EXPECT_EQ(out, sentinel);
  EXPECT_FALSE(Decimal::Subtract(kMax, D("-0.0001"), &out));
  EXPECT_EQ(out, sentinel);

  ASSERT_TRUE(Decimal::Add(kMax, kMin, &out));
  EXPECT_EQ(out, D("-0.0001"));
  ASSERT_TRUE(Decimal::Subtract(D("-0.0001"), kMax, &out));
  EXPECT_EQ(out, kMin);
  ASSERT_TRUE(Decimal::Subtract(D("3.9"), D("4"), &out));
  EXPECT_EQ(out.ToString(), "-0.1");
}

TEST(DecimalArithmeticTest, MultiplyRoundsToFourDecimalsAndReportsOverflow) {
  Decimal out;
  ASSERT_TRUE(Decimal::Multiply(D("2.5"), D("4"), &out));
  EXPECT_EQ(out, D("10"));
  ASSERT_TRUE(Decimal::Multiply(D("1.5"), D("-2"), &out));
  EXPECT_EQ(out, D("-3"));
  ASSERT_TRUE(Decimal::Multiply(D("-2"), D("-3"), &out));
  EXPECT_EQ(out, D("6"));
  ASSERT_TRUE(Decimal::Multiply(D("0.0001"), D("0.5"), &out));  // 0.00005
  EXPECT_EQ(out, D("0.0001"));
  ASSERT_TRUE(Decimal::Multiply(D("-0.0001"), D("0.5"), &out));
  EXPECT_EQ(out, D("-0.0001"));
  ASSERT_TRUE(Decimal::Multiply(D("0.0001"), D("0.4999"), &out));  // 0.00004999
  EXPECT_EQ(out, D("0"));
  ASSERT_TRUE(Decimal::Multiply(D("1.2345"), D("1.2345"), &out));  // 1.52399025
  EXPECT_EQ(out, D("1.524"));
  ASSERT_TRUE(Decimal::Multiply(kMax, D("1"), &out));
  EXPECT_EQ(out, kMax);
  ASSERT_TRUE(Decimal::Multiply(kMin, D("1"), &out));
  EXPECT_EQ(out, kMin);

  const Decimal sentinel = D("7");
  out = sentinel;
  EXPECT_FALSE(Decimal::Multiply(Decimal::FromInteger(Decimal::kMaxInteger), D("2"), &out));
  EXPECT_EQ(out, sentinel);
  EXPECT_FALSE(Decimal::Multiply(D("100000000"), D("100000000"), &out));
  EXPECT_EQ(out, sentinel);
  EXPECT_FALSE(Decimal::Multiply(kMin, D("-1"), &out));
  EXPECT_EQ(out, sentinel);
  EXPECT_FALSE(Decimal::Multiply(kMax, kMax, &out));
  EXPECT_EQ(out, sentinel);
}

TEST(DecimalArithmeticTest, DivideRoundsHalvesAwayFromZero) {
  const std::pair<const char*, const char*> kOperands[] = {
      {"10", "3"},      {"2", "3"}, {"-2", "3"},     {"2", "-3"}, {"1", "8"},  {"0.0001", "2"},
      {"-0.0001", "2"}, {"7", "2"}, {"1234.5", "5"}, {"0", "-5"}, {"-1", "-3"}};
  const char* kQuotients[] = {"3.3333",  "0.6667", "-0.6667", "-0.6667", "0.125", "0.0001",
                              "-0.0001", "3.5",    "246.9",   "0",       "0.3333"};
  for (size_t i = 0; i < std::size(kOperands); ++i) {
    Decimal out;
    ASSERT_TRUE(Decimal::Divide(D(kOperands[i].first), D(kOperands[i].second), &out))
        << kOperands[i].first << " / " << kOperands[i].second;
    EXPECT_EQ(out.ToString(), kQuotients[i]) << kOperands[i].first << " / " << kOperands[i].second;
  }
}

TEST(DecimalArithmeticTest, DivideByZeroAndOverflowReportFalse) {
  const Decimal sentinel = D("42");
  Decimal out = sentinel;
  EXPECT_FALSE(Decimal::Divide(D("1"), Decimal(), &out));
  EXPECT_EQ(out, sentinel);
  EXPECT_FALSE(Decimal::Divide(Decimal(), Decimal(), &out));
  EXPECT_EQ(out, sentinel);
  EXPECT_FALSE(Decimal::Divide(kMax, D("0.0001"), &out));
  EXPECT_EQ(out, sentinel);
  EXPECT_FALSE(Decimal::Divide(kMin, D("-0.0001"), &out));
  EXPECT_EQ(out, sentinel);
  EXPECT_FALSE(Decimal::Divide(kMin, D("-1"), &out));  // -INT64_MIN does not fit
  EXPECT_EQ(out, sentinel);
  ASSERT_TRUE(Decimal::Divide(kMin, D("1"), &out));
  EXPECT_EQ(out, kMin);
  ASSERT_TRUE(Decimal::Divide(kMax, D("-1"), &out));
  EXPECT_EQ(out, D("-922337203685477.5807"));
}

TEST(DecimalArithmeticTest, RemainderKeepsTheSignOfTheLeftSide) {
  Decimal out;
  ASSERT_TRUE(Decimal::Remainder(D("7"), D("3"), &out));
  EXPECT_EQ(out, D("1"));
  ASSERT_TRUE(Decimal::Remainder(D("-7"), D("3"), &out));
  EXPECT_EQ(out, D("-1"));
  ASSERT_TRUE(Decimal::Remainder(D("7"), D("-3"), &out));
  EXPECT_EQ(out, D("1"));
  ASSERT_TRUE(Decimal::Remainder(D("7.5"), D("2"), &out));
  EXPECT_EQ(out, D("1.5"));
  ASSERT_TRUE(Decimal::Remainder(D("0.0003"), D("0.0002"), &out));
  EXPECT_EQ(out, D("0.0001"));
  ASSERT_TRUE(Decimal::Remainder(kMin, D("-0.0001"), &out));  // would trap as int64
  EXPECT_EQ(out, Decimal());
  ASSERT_TRUE(Decimal::Remainder(kMin, D("1"), &out));
  EXPECT_EQ(out, D("-0.5808"));

  const Decimal sentinel = D("42");
  out = sentinel;
  EXPECT_FALSE(Decimal::Remainder(D("7"), Decimal(), &out));
  EXPECT_EQ(out, sentinel);
}

TEST(DecimalArithmeticTest, Negate) {
  Decimal out;
  ASSERT_TRUE(Decimal::Negate(D("5"), &out));
  EXPECT_EQ(out, D("-5"));
  ASSERT_TRUE(Decimal::Negate(D("-0.1"), &out));
  EXPECT_EQ(out, D("0.1"));
  ASSERT_TRUE(Decimal::Negate(kMax, &out));
  EXPECT_EQ(out, D("-922337203685477.5807"));
  const Decimal sentinel = D("42");
  out = sentinel;
  EXPECT_FALSE(Decimal::Negate(kMin, &out));
  EXPECT_EQ(out, sentinel);
}

// ---------------------------------------------------------------- rounding

TEST(DecimalRoundingTest, RoundHalvesAwayFromZeroOnBothSigns) {
  EXPECT_EQ(D("4.5").Round(0), D("5"));
  EXPECT_EQ(D("-4.5").Round(0), D("-5"));
  EXPECT_EQ(D("4.4999").Round(0), D("4"));
  EXPECT_EQ(D("-4.4999").Round(0), D("-4"));
  EXPECT_EQ(D("4.125").Round(2), D("4.13"));
  EXPECT_EQ(D("-4.125").Round(2), D("-4.13"));
  EXPECT_EQ(D("-1.25").Round(1), D("-1.3"));
  EXPECT_EQ(D("-1.24").Round(1), D("-1.2"));
  EXPECT_EQ(D("1.3333").Round(1), D("1.3"));
}

TEST(DecimalRoundingTest, RoundToFourDigitsIsTheIdentity) {
  for (const char* text : {"1.2345", "-1.2345", "0", "-0.0001"}) {
    EXPECT_EQ(D(text).Round(4), D(text)) << text;
  }
  EXPECT_EQ(kMin.Round(4), kMin);
  EXPECT_EQ(kMax.Round(4), kMax);
}

TEST(DecimalRoundingTest, FloorGoesDownAlsoForNegatives) {
  EXPECT_EQ(FloorOf(D("4.9")), D("4"));
  EXPECT_EQ(FloorOf(D("4")), D("4"));
  EXPECT_EQ(FloorOf(D("-4.1")), D("-5"));
  EXPECT_EQ(FloorOf(D("-4")), D("-4"));
  EXPECT_EQ(FloorOf(D("-0.0001")), D("-1"));
  EXPECT_EQ(FloorOf(D("0.9999")), D("0"));
  EXPECT_EQ(FloorOf(Decimal()), Decimal());
  EXPECT_EQ(FloorOf(D("246.9")), D("246"));
  EXPECT_EQ(FloorOf(kMax), D("922337203685477"));
}

TEST(DecimalRoundingTest, CeilGoesUpAlsoForNegatives) {
  EXPECT_EQ(CeilOf(D("4.1")), D("5"));
  EXPECT_EQ(CeilOf(D("4")), D("4"));
  EXPECT_EQ(CeilOf(D("-4.9")), D("-4"));
  EXPECT_EQ(CeilOf(D("-4")), D("-4"));
  EXPECT_EQ(CeilOf(D("-0.0001")), Decimal());
  EXPECT_EQ(CeilOf(D("-0.0001")).ToString(), "0");
  EXPECT_EQ(CeilOf(D("0.0001")), D("1"));
  EXPECT_EQ(CeilOf(Decimal()), Decimal());
  EXPECT_EQ(CeilOf(kMin), D("-922337203685477"));
}

}  // namespace
}  // namespace clientele::rules
