#include "common/percent_decode.h"

#include <gtest/gtest.h>

namespace accumulator {
namespace {

TEST(PercentDecodeTest, DecodesEscapesAndRejectsMalformedOnes) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(PercentDecode("%41%7a"), "Az");
  EXPECT_EQ(PercentDecode(""), "");
  EXPECT_FALSE(PercentDecode("bad%2"));
  EXPECT_FALSE(PercentDecode("bad%"));
  EXPECT_FALSE(PercentDecode("bad%zz"));
}

}  // namespace
}  // namespace accumulator
