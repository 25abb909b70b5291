#include "model/names.h"

#include <gtest/gtest.h>

namespace accumulator::model {
namespace {

TEST(NamesTest, MetricNamesFollowPrometheusRules) {
  EXPECT_TRUE(IsValidMetricName("http_requests_total"));
  EXPECT_TRUE(IsValidMetricName("job:rate5m"));
  EXPECT_TRUE(IsValidMetricName("_x"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("1abc"));
  EXPECT_FALSE(IsValidMetricName("a-b"));
}

TEST(NamesTest, LabelNamesDisallowColonsAndLeadingDigits) {
  EXPECT_TRUE(IsValidLabelName("le"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("9a"));
  EXPECT_TRUE(IsReservedLabelName("__name__"));
  EXPECT_FALSE(IsReservedLabelName("_x"));
}

TEST(NamesTest, MetadataLabelsAreRecognised) {
  EXPECT_TRUE(IsMetadataLabel("_metrics_accumulator_latest"));
  EXPECT_FALSE(IsMetadataLabel("metrics_accumulator_latest"));
}

TEST(NamesTest, Utf8ValidationRejectsBrokenSequences) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("ab\xE2\x82"));  // truncated at end
  // Past the first eight-byte words of ASCII, which are skipped whole.
  EXPECT_TRUE(IsValidUtf8("0123456789abcdef\xC3\xA9"));
  EXPECT_FALSE(IsValidUtf8("0123456789abcdef\xC3"));
  EXPECT_FALSE(
      IsValidUtf8("01234567\xFF"
                  "89abcdef"));
}

}  // namespace
}  // namespace accumulator::model
