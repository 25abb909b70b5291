#include "model/labels.h"

#include <gtest/gtest.h>

#include "model/label_sets_for_test.h"

namespace accumulator::model {
namespace {

TEST(LabelsTest, CanonicalizeSortsAndDetectsDuplicates) {
  Labels l{{"b", "2"}, {"a", "1"}};
  EXPECT_TRUE(Canonicalize(l));
  EXPECT_EQ(l[0].name, "a");
  Labels dup{{"a", "1"}, {"a", "2"}};
  EXPECT_FALSE(Canonicalize(dup));
  Labels sorted{{"a", "1"}, {"b", "2"}, {"c", "3"}};
  EXPECT_TRUE(Canonicalize(sorted));
  EXPECT_EQ(sorted, (Labels{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  Labels late_dup{{"a", "1"}, {"b", "2"}, {"b", "3"}};
  EXPECT_FALSE(Canonicalize(late_dup));
}

TEST(LabelsTest, SetLabelKeepsOrderAndReplaces) {
  Labels l{{"a", "1"}, {"c", "3"}};
  SetLabel(l, "b", "2");
  SetLabel(l, "a", "9");
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].value, "9");
  EXPECT_EQ(l[1].name, "b");
  EXPECT_EQ(*FindLabel(l, "c"), "3");
  EXPECT_EQ(FindLabel(l, "z"), nullptr);
}

TEST(LabelsTest, EqualSetsHashEqual) {
  Labels a{{"x", "1"}, {"y", "2"}};
  Labels b{{"y", "2"}, {"x", "1"}};
  ASSERT_TRUE(Canonicalize(b));
  EXPECT_EQ(HashLabels(a), HashLabels(b));
  EXPECT_NE(HashLabels(a), HashLabels(Labels{{"x", "2"}, {"y", "1"}}));
}

TEST(LabelsTest, CompareLabelsOrdersAsTheOperator) {
  const std::vector<Labels> sets = OrderingCases();
  // NOLINTNEXTLINE(modernize-use-nullptr): tidy 14 reads the 0 of `c < 0` as a pointer
  const auto sign = [](auto c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); };
  for (const Labels& a : sets) {
    for (const Labels& b : sets) {
      SCOPED_TRACE(DescribeSeries("a", a) + " vs " + DescribeSeries("b", b));
      EXPECT_EQ(sign(CompareLabels(a, b)), sign(a <=> b));
      EXPECT_EQ(SameLabels(a, b), a == b);
    }
  }
}

}  // namespace
}  // namespace accumulator::model
