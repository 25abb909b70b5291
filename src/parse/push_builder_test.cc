#include "parse/push_builder.h"

#include <cmath>

#include <gtest/gtest.h>

namespace accumulator::parse {
namespace {

using model::MetricType;

model::Labels L(model::Labels labels) { return labels; }

// The builder keeps a reference to its limits.
constexpr Limits kLimits{};

TEST(PushBuilderTest, HistogramSamplesBecomeOneSeries) {
  PushBuilder b(kLimits);
  ASSERT_TRUE(b.DeclareType("h", MetricType::kHistogram, 1).ok());
  ASSERT_TRUE(b.DeclareHelp("h", "Latency.\r", 2).ok());
  // Out of order, labels unsorted: the builder sorts both.
  ASSERT_TRUE(b.AddSample("h_bucket", L({{"le", "+Inf"}, {"b", "2"}, {"a", "1"}}), 3, 3).ok());
  ASSERT_TRUE(b.AddSample("h_bucket", L({{"a", "1"}, {"b", "2"}, {"le", "0.5"}}), 1, 4).ok());
  ASSERT_TRUE(b.AddSample("h_sum", L({{"a", "1"}, {"b", "2"}}), 4.5, 5).ok());
  ASSERT_TRUE(b.AddSample("h_count", L({{"a", "1"}, {"b", "2"}}), 3, 6).ok());
  ASSERT_TRUE(b.AddSample("h_created", L({{"a", "1"}, {"b", "2"}}), 1e9, 7).ok());
  auto push = std::move(b).Finish();
  ASSERT_TRUE(push.ok()) << push.status().message();
  ASSERT_EQ(push->families.size(), 1u);
  const model::Family& f = push->families[0];
  EXPECT_EQ(f.help, "Latency.");
  ASSERT_EQ(f.series.size(), 1u);
  EXPECT_EQ(f.series[0].labels, (model::Labels{{"a", "1"}, {"b", "2"}}));
  const auto& h = std::get<model::HistogramValue>(f.series[0].value);
  EXPECT_EQ(h.upper_bounds, (std::vector<double>{0.5, INFINITY}));
  EXPECT_EQ(h.bucket_counts, (std::vector<double>{1, 3}));
  EXPECT_EQ(h.sum, 4.5);
  EXPECT_EQ(h.count, 3);
}

TEST(PushBuilderTest, MetadataLabelsDoNotSplitASeries) {
  PushBuilder b(kLimits);
  ASSERT_TRUE(b.DeclareType("c_total", MetricType::kCounter, 1).ok());
  ASSERT_TRUE(
      b.AddSample("c_total", L({{"_metrics_accumulator_writer", "w"}, {"x", "1"}}), 5, 2).ok());
  auto push = std::move(b).Finish();
  ASSERT_TRUE(push.ok());
  const model::Series& s = push->families[0].series[0];
  EXPECT_EQ(s.labels, (model::Labels{{"x", "1"}}));
  EXPECT_EQ(s.metadata, (model::Labels{{"_metrics_accumulator_writer", "w"}}));
}

TEST(PushBuilderTest, StructuralErrorsNameTheirLine) {
  PushBuilder twice(kLimits);
  ASSERT_TRUE(twice.AddSample("g", L({}), 1, 3).ok());
  ASSERT_TRUE(twice.AddSample("g", L({}), 2, 4).ok());  // a repeat is found once all is read
  EXPECT_EQ(std::move(twice).Finish().status().message(),
            "line 4: duplicate sample for series g{}");

  PushBuilder twice_bucket(kLimits);
  ASSERT_TRUE(twice_bucket.DeclareType("h", MetricType::kHistogram, 1).ok());
  ASSERT_TRUE(twice_bucket.AddSample("h_bucket", L({{"le", "1"}}), 1, 2).ok());
  EXPECT_EQ(twice_bucket.AddSample("h_bucket", L({{"le", "1"}}), 1, 3).message(),
            "line 3: duplicate sample for series h_bucket{}");

  PushBuilder late_type(kLimits);
  ASSERT_TRUE(late_type.AddSample("g", L({}), 1, 1).ok());
  EXPECT_EQ(late_type.DeclareType("g", MetricType::kGauge, 2).message(),
            "line 2: TYPE line for metric \"g\" comes after its samples");

  PushBuilder no_le(kLimits, "family");
  ASSERT_TRUE(no_le.DeclareType("h", MetricType::kHistogram, 7).ok());
  EXPECT_EQ(no_le.AddSample("h_bucket", L({}), 1, 7).message(),
            "family 7: bucket of histogram \"h\" has no \"le\" label");
  EXPECT_EQ(no_le.AddSample("h", L({}), 1, 8).message(),
            "family 8: histogram \"h\" sample must end in _bucket, _sum or _count");
}

TEST(PushBuilderTest, FinishValidatesWithTheLineOfEachSeries) {
  PushBuilder b(kLimits);
  ASSERT_TRUE(b.AddSample("ok", L({{"a", "1"}}), 1, 1).ok());
  ASSERT_TRUE(b.AddSample("bad", L({{"a", "\xff"}}), 1, 9).ok());
  auto push = std::move(b).Finish();
  EXPECT_EQ(push.status().message(), "line 9: value of label \"a\" is not valid UTF-8");

  PushBuilder open(kLimits, "line", /*openmetrics=*/true);
  ASSERT_TRUE(open.DeclareType("c", MetricType::kCounter, 1).ok());
  ASSERT_TRUE(open.AddSample("c_total", L({}), 2, 2).ok());
  auto om = std::move(open).Finish();
  ASSERT_TRUE(om.ok());
  EXPECT_EQ(om->families[0].name, "c_total");  // stored by its text 0.0.4 name
}

}  // namespace
}  // namespace accumulator::parse
