#include "model/bytes.h"

#include <string>

#include <gtest/gtest.h>

namespace accumulator::model {
namespace {

int Sign(int c) { return (c > 0) - (c < 0); }

// Every length from 0 to 20, one byte changed up or down at each position, and every
// proper prefix: the word-at-a-time paths must order as byte-by-byte comparison does.
TEST(BytesTest, CompareBytesOrdersAsStringViewCompare) {
  for (std::size_t length = 0; length <= 20; ++length) {
    std::string base;
    for (std::size_t i = 0; i < length; ++i) base += static_cast<char>('a' + i % 26);
    EXPECT_EQ(CompareBytes(base, base), 0);
    EXPECT_TRUE(SameBytes(base, base));
    for (std::size_t at = 0; at < length; ++at) {
      for (const char changed : {'\x00', 'Z', '\x7f', '\x80', '\xff'}) {
        std::string other = base;
        other[at] = changed;
        const int expected = Sign(std::string_view(base).compare(other));
        EXPECT_EQ(Sign(CompareBytes(base, other)), expected) << length << " at " << at;
        EXPECT_EQ(Sign(CompareBytes(other, base)), -expected) << length << " at " << at;
        EXPECT_EQ(SameBytes(base, other), expected == 0);
      }
    }
    for (std::size_t prefix = 0; prefix < length; ++prefix) {
      const std::string_view shorter = std::string_view(base).substr(0, prefix);
      EXPECT_LT(CompareBytes(shorter, base), 0) << prefix << " of " << length;
      EXPECT_GT(CompareBytes(base, shorter), 0) << prefix << " of " << length;
      EXPECT_FALSE(SameBytes(shorter, base));
    }
  }
}

}  // namespace
}  // namespace accumulator::model
