#include "model/packed_labels.h"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "model/label_sets_for_test.h"

namespace accumulator::model {
namespace {

int Sign(int c) { return (c > 0) - (c < 0); }

int ExpectedOrder(const Labels& a, const Labels& b) {
  if (a < b) return -1;
  return b < a ? 1 : 0;
}

TEST(PackedLabelsTest, UnpacksWhatWasPacked) {
  const Labels labels{{"instance", "i-1"}, {"job", "lambda"}, {"path", std::string(300, 'x')}};
  const PackedLabels packed(labels);
  EXPECT_EQ(packed.Unpack(), labels);
  EXPECT_EQ(packed.size(), 3u);
  std::vector<LabelRef> refs;
  packed.Refs(refs);
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_EQ(refs[2].name, "path");
  EXPECT_EQ(refs[2].value.size(), 300u);  // a two-byte length
}

TEST(PackedLabelsTest, CopiesAreDeep) {
  const Labels labels{{"a", "1"}, {"b", std::string(200, 'y')}};
  PackedLabels original(labels);
  PackedLabels copy(original);
  original = PackedLabels(Labels{{"c", "3"}});
  EXPECT_EQ(copy.Unpack(), labels);
  copy = original;
  EXPECT_EQ(copy.Unpack(), (Labels{{"c", "3"}}));
  EXPECT_EQ(PackedLabels(PackedLabels{Labels{}}).size(), 0u);
}

TEST(PackedLabelsTest, EmptySet) {
  const PackedLabels packed{Labels{}};
  EXPECT_TRUE(packed.empty());
  EXPECT_TRUE(packed.Unpack().empty());
  EXPECT_EQ(packed.Compare(Labels{}), 0);
  EXPECT_LT(packed.Compare(Labels{{"a", ""}}), 0);
}

TEST(PackedLabelsTest, KeepsBytesLabelsMayHold) {
  const Labels labels{{"v", std::string("a\0b\xff\n\"", 6)}};
  EXPECT_EQ(PackedLabels(labels).Unpack(), labels);
}

TEST(PackedLabelsTest, OrdersAsLabels) {
  const std::vector<Labels> sets = OrderingCases();
  for (const Labels& a : sets) {
    for (const Labels& b : sets) {
      SCOPED_TRACE(DescribeSeries("a", a) + " vs " + DescribeSeries("b", b));
      EXPECT_EQ(Sign(PackedLabels(a).Compare(b)), ExpectedOrder(a, b));
      EXPECT_EQ(Sign(PackedLabels(a).Compare(PackedLabels(b))), ExpectedOrder(a, b));
    }
  }
}

TEST(PackedLabelsTest, EqualsSeesEveryByteOfEveryLength) {
  for (std::size_t n = 0; n <= 20; ++n) {
    std::string value(n, 'a');
    for (std::size_t i = 0; i < n; ++i) value[i] = static_cast<char>('a' + i);
    const PackedLabels packed{Labels{{"name", value}}};
    EXPECT_TRUE(packed.Equals(Labels{{"name", value}})) << n;
    EXPECT_FALSE(packed.Equals(Labels{{"name", value + "x"}})) << n;
    EXPECT_FALSE(packed.Equals(Labels{{"nam", value}})) << n;
    for (std::size_t i = 0; i < n; ++i) {
      std::string other = value;
      other[i] = 'Z';
      EXPECT_FALSE(packed.Equals(Labels{{"name", other}})) << n << " " << i;
    }
  }
  const PackedLabels two{Labels{{"a", "1"}, {"b", "2"}}};
  EXPECT_TRUE(two.Equals(Labels{{"a", "1"}, {"b", "2"}}));
  EXPECT_FALSE(two.Equals(Labels{{"a", "1"}}));
  EXPECT_FALSE(two.Equals(Labels{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_TRUE(PackedLabels{Labels{}}.Equals(Labels{}));
  EXPECT_FALSE(PackedLabels{Labels{}}.Equals(Labels{{"a", ""}}));
}

}  // namespace
}  // namespace accumulator::model
