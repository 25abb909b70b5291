#include "shared/stream_id.h"

#include <gtest/gtest.h>

namespace accumulator::shared {
namespace {

TEST(StreamIdTest, ParsesAndPrintsRedisIds) {
  auto id = StreamId::Parse("1733250000123-7");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->ms, 1733250000123u);
  EXPECT_EQ(id->seq, 7u);
  EXPECT_EQ(id->ToString(), "1733250000123-7");
}

TEST(StreamIdTest, RefusesAnythingElse) {
  for (const char* bad : {"", "-", "12", "12-", "-3", "1-2-3", "a-1", "1-b", "1 -2"}) {
    EXPECT_FALSE(StreamId::Parse(bad).has_value()) << bad;
  }
}

TEST(StreamIdTest, OrdersByTimeThenSequence) {
  EXPECT_LT(*StreamId::Parse("5-9"), *StreamId::Parse("6-0"));
  EXPECT_LT(*StreamId::Parse("5-1"), *StreamId::Parse("5-2"));
  EXPECT_EQ(*StreamId::Parse("0-0"), StreamId{});
}

}  // namespace
}  // namespace accumulator::shared
