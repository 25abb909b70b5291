#include "model/selector.h"

#include <gtest/gtest.h>

namespace accumulator::model {
namespace {

using Op = Selector::Op;

TEST(SelectorTest, GroupingKeyNeedsEveryLabelPresentEvenWhenEmpty) {
  const Selector key = Selector::HavingAll({{"job", "a"}, {"stage", ""}});
  EXPECT_TRUE(key.Matches("m", {{"job", "a"}, {"stage", ""}}));
  EXPECT_TRUE(key.Matches("m", {{"instance", "i"}, {"job", "a"}, {"stage", ""}}));
  // PromQL would take a missing label as "", a grouping key does not.
  EXPECT_FALSE(key.Matches("m", {{"job", "a"}}));
  EXPECT_FALSE(key.Matches("m", {{"job", "b"}, {"stage", ""}}));
  auto promql = Selector::Make({{"job", Op::kEqual, "a"}, {"stage", Op::kEqual, ""}});
  ASSERT_TRUE(promql.ok());
  EXPECT_TRUE(promql->Matches("m", {{"job", "a"}}));
}

TEST(SelectorTest, NameMatchersSeeTheFamily) {
  auto s =
      Selector::Make({{"__name__", Op::kRegexMatch, "http_.*"}, {"code", Op::kNotEqual, "200"}});
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Matches("http_total", {{"code", "500"}}));
  EXPECT_FALSE(s->Matches("rpc_total", {{"code", "500"}}));
  EXPECT_FALSE(s->Matches("http_total", {{"code", "200"}}));
}

TEST(SelectorTest, BadRegexIsRefusedAndEmptyAcceptingSelectorsAreKnown) {
  EXPECT_EQ(Selector::Make({{"a", Op::kRegexMatch, "("}}).status().code(),
            StatusCode::kInvalidArgument);
  auto lax = Selector::Make({{"a", Op::kRegexMatch, ".*"}, {"b", Op::kNotEqual, "x"}});
  ASSERT_TRUE(lax.ok());
  EXPECT_FALSE(lax->HasMatcherRejectingEmpty());
  auto strict = Selector::Make({{"a", Op::kRegexMatch, ".*"}, {"b", Op::kEqual, "x"}});
  ASSERT_TRUE(strict.ok());
  EXPECT_TRUE(strict->HasMatcherRejectingEmpty());
}

}  // namespace
}  // namespace accumulator::model
