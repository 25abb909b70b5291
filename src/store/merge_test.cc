#include "store/merge.h"

#include <cmath>

#include <gtest/gtest.h>

#include "support/builders.h"

namespace accumulator::store {
namespace {

using model::MetricType;
namespace t = accumulator::testing;

double ValueOf(const StoredValue& v) { return std::get<model::ScalarValue>(v.value).value; }

TEST(MergeTest, CountersAdd) {
  StoredValue stored = FromPushed(t::Scalar({}, 5));
  Merge(MetricType::kCounter, stored, t::Scalar({}, 5));
  EXPECT_EQ(ValueOf(stored), 10);
}

TEST(MergeTest, NegativeAndNonFiniteCounterIncrementsAreRejected) {
  const auto f = t::Family("c_total", MetricType::kCounter, {});
  for (double bad : {-1.0, double{NAN}, double{INFINITY}}) {
    Status s = CheckPushed(f, t::Scalar({{"a", "1"}}, bad));
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("c_total{a=\"1\"}"), std::string::npos) << s.message();
  }
  EXPECT_TRUE(CheckPushed(f, t::Scalar({}, 0)).ok());
}

TEST(MergeTest, GaugesReplace) {
  StoredValue stored = FromPushed(t::Scalar({}, 5));
  Merge(MetricType::kGauge, stored, t::Scalar({}, 3));
  EXPECT_EQ(ValueOf(stored), 3);
  Merge(MetricType::kUntyped, stored, t::Scalar({}, NAN));
  EXPECT_TRUE(std::isnan(ValueOf(stored)));
}

TEST(MergeTest, GaugeWithLowerLatestStampIsIgnored) {
  const model::Labels newer{{"_metrics_accumulator_latest", "3992623250"}};
  const model::Labels older{{"_metrics_accumulator_latest", "1722620529"}};
  StoredValue stored = FromPushed(t::Scalar({}, 4911, newer));
  Merge(MetricType::kGauge, stored, t::Scalar({}, 5, older));
  EXPECT_EQ(ValueOf(stored), 4911);
  Merge(MetricType::kGauge, stored,
        t::Scalar({}, 7, {{"_metrics_accumulator_latest", "3992623251"}}));
  EXPECT_EQ(ValueOf(stored), 7);
  // A push without a stamp is taken as current.
  Merge(MetricType::kGauge, stored, t::Scalar({}, 8));
  EXPECT_EQ(ValueOf(stored), 8);
}

TEST(MergeTest, NonNumericLatestStampIsRejected) {
  const auto f = t::Family("g", MetricType::kGauge, {});
  Status s = CheckPushed(f, t::Scalar({}, 1, {{"_metrics_accumulator_latest", "yesterday"}}));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(MergeTest, HistogramsAddBucketwise) {
  StoredValue stored = FromPushed(t::Histogram({}, {0.1, 1, INFINITY}, {1, 2, 3}, 1.5));
  Merge(MetricType::kHistogram, stored, t::Histogram({}, {0.1, 1, INFINITY}, {0, 4, 5}, 2.5));
  const auto& h = std::get<model::HistogramValue>(stored.value);
  EXPECT_EQ(h.bucket_counts, (std::vector<double>{1, 6, 8}));
  EXPECT_EQ(h.sum, 4);
  EXPECT_EQ(h.count, 8);
}

TEST(MergeTest, HistogramWithOtherBoundsConflicts) {
  const auto f = t::Family("h", MetricType::kHistogram, {});
  StoredValue stored = FromPushed(t::Histogram({}, {0.1, 1, INFINITY}, {1, 2, 3}, 1));
  Status s = CheckCompatible(f, stored.value, t::Histogram({}, {0.5, 1, INFINITY}, {1, 1, 1}, 1));
  EXPECT_EQ(s.code(), StatusCode::kConflict);
}

TEST(MergeTest, SummariesAddSumAndCountAndReplaceQuantiles) {
  StoredValue stored = FromPushed(t::Summary({}, {{0.5, 1}}, 10, 4));
  Merge(MetricType::kSummary, stored, t::Summary({}, {{0.5, 2}, {0.9, 3}}, 5, 1));
  const auto& s = std::get<model::SummaryValue>(stored.value);
  EXPECT_EQ(s.sum, 15);
  EXPECT_EQ(s.count, 5);
  ASSERT_EQ(s.quantiles.size(), 2u);
  EXPECT_EQ(s.quantiles[0].value, 2);
}

TEST(MergeTest, CumulativeIncreaseDetectsRestarts) {
  using model::ScalarValue;
  EXPECT_EQ(std::get<ScalarValue>(CumulativeIncrease(ScalarValue{5}, ScalarValue{8})).value, 3);
  EXPECT_EQ(std::get<ScalarValue>(CumulativeIncrease(ScalarValue{5}, ScalarValue{2})).value, 2);
  const model::Value before = t::Histogram({}, {1, INFINITY}, {2, 4}, 5).value;
  const model::Value after = t::Histogram({}, {1, INFINITY}, {1, 6}, 9).value;  // bucket fell
  EXPECT_EQ(std::get<model::HistogramValue>(CumulativeIncrease(before, after)).bucket_counts,
            (std::vector<double>{1, 6}));
  const model::Value summary_before = t::Summary({}, {}, 10, 4).value;
  const model::Value summary_after = t::Summary({}, {{0.5, 1}}, 15, 6).value;
  const auto inc = std::get<model::SummaryValue>(CumulativeIncrease(summary_before, summary_after));
  EXPECT_EQ(inc.sum, 5);
  EXPECT_EQ(inc.count, 2);
  EXPECT_EQ(inc.quantiles.size(), 1u);
}

TEST(MergeTest, HistogramCountsMustBeFinite) {
  const auto f = t::Family("h", MetricType::kHistogram, {});
  EXPECT_EQ(CheckPushed(f, t::Histogram({}, {INFINITY}, {INFINITY}, 0)).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace accumulator::store
