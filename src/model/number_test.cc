#include "model/number.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace accumulator::model {
namespace {

std::string Written(double v) {
  std::string out;
  AppendFloat(v, out);
  return out;
}

std::string ToChars(double v) {
  char buf[64];
  return {buf, std::to_chars(buf, buf + sizeof buf, v).ptr};
}

TEST(WriteFloatTest, SpellsSpecialValuesAsPrometheusDoes) {
  EXPECT_EQ(Written(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(Written(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(Written(-std::numeric_limits<double>::infinity()), "-Inf");
}

// Whole numbers take a shortcut; it must spell every one exactly as to_chars' shortest
// form does, including where that form is the exponent one.
TEST(WriteFloatTest, WholeNumbersAreSpelledAsShortestRoundTrip) {
  EXPECT_EQ(Written(0.0), "0");
  EXPECT_EQ(Written(-0.0), "-0");
  EXPECT_EQ(Written(1), "1");
  EXPECT_EQ(Written(-42), "-42");
  EXPECT_EQ(Written(10000), "10000");
  EXPECT_EQ(Written(100000), "1e+05");
  EXPECT_EQ(Written(1200000), "1200000");  // a tie goes to the plain form
  EXPECT_EQ(Written(12000000), "1.2e+07");
  EXPECT_EQ(Written(123456), "123456");
  EXPECT_EQ(Written(1e15), "1e+15");
  EXPECT_EQ(Written(999999999999999.0), "999999999999999");
  EXPECT_EQ(Written(9007199254740993.0), ToChars(9007199254740993.0));
  std::mt19937_64 random(7);
  for (int i = 0; i < 200'000; ++i) {
    const int digits = 1 + static_cast<int>(random() % 16);
    auto v = static_cast<double>(random() % static_cast<std::uint64_t>(std::pow(10.0, digits)));
    if (i % 3 == 0) v = std::round(v / 1000) * 1000;  // plenty of trailing zeros
    if (i % 2 == 0) v = -v;
    ASSERT_EQ(Written(v), ToChars(v)) << v;
    ASSERT_EQ(Written(v + 0.5), ToChars(v + 0.5)) << v + 0.5;
  }
}

TEST(WriteFloatTest, ReadsBackToTheSameDouble) {
  for (double v : {0.1, 1.5e-300, 3.0e300, 123.456, -2.5e-7, 4.9e-324}) {
    EXPECT_EQ(ParseFloat(Written(v)), v) << Written(v);
  }
}

}  // namespace
}  // namespace accumulator::model
