#include "parse/validate.h"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "support/builders.h"

namespace accumulator::parse {
namespace {

using model::MetricType;
namespace t = accumulator::testing;

std::string Where(std::size_t family, std::size_t series) {
  return "f" + std::to_string(family) + "s" + std::to_string(series) + ": ";
}

// The message of validating `push`, or "ok".
std::string Check(model::Push push, const Limits& limits = {}) {
  Status s = ValidatePush(push, limits, Where);
  return s.ok() ? "ok" : s.message();
}

model::Push Gauge(model::Labels labels, std::string name = "g") {
  return t::Push(
      {t::Family(std::move(name), MetricType::kGauge, {t::Scalar(std::move(labels), 1)})});
}

TEST(ValidatePushTest, NamesFollowPrometheusRules) {
  EXPECT_EQ(Check(Gauge({{"a", "1"}})), "ok");
  EXPECT_EQ(Check(Gauge({}, "1bad")), "f0s0: invalid metric name \"1bad\"");
  EXPECT_EQ(Check(Gauge({{"a-b", "1"}})), "f0s0: invalid label name \"a-b\"");
  EXPECT_EQ(Check(Gauge({{"__name__", "x"}})), "f0s0: invalid label name \"__name__\"");
  EXPECT_EQ(Check(Gauge({{"a", "1"}, {"a", "2"}})), "f0s0: a label name repeats in g");
}

TEST(ValidatePushTest, LimitsAndUtf8) {
  Limits limits;
  limits.max_labels_per_series = 1;
  limits.max_label_value_length = 3;
  limits.max_name_length = 4;
  limits.max_help_length = 2;
  EXPECT_EQ(Check(Gauge({{"a", "1"}, {"b", "2"}}), limits),
            "f0s0: more than 1 labels on one series");
  EXPECT_EQ(Check(Gauge({{"a", "1234"}}), limits),
            "f0s0: value of label \"a\" longer than 3 bytes");
  EXPECT_EQ(Check(Gauge({{"abcde", "1"}}), limits), "f0s0: label name longer than 4 bytes");
  EXPECT_EQ(Check(Gauge({}, "gauge"), limits), "f0s0: metric name longer than 4 bytes");
  EXPECT_EQ(Check(Gauge({{"a", "\xff"}})), "f0s0: value of label \"a\" is not valid UTF-8");
  model::Push help = Gauge({});
  help.families[0].help = "abc";
  EXPECT_EQ(Check(help, limits), "f0s0: HELP text longer than 2 bytes");
  help.families[0].help = "\xc3";
  EXPECT_EQ(Check(help), "f0s0: HELP text is not valid UTF-8");
}

TEST(ValidatePushTest, SortsLabelsAndMovesMetadataOut) {
  model::Push push = Gauge({{"b", "2"}, {"_metrics_accumulator_writer", "w"}, {"a", "1"}});
  ASSERT_TRUE(ValidatePush(push, {}, Where).ok());
  const model::Series& s = push.families[0].series[0];
  EXPECT_EQ(s.labels, (model::Labels{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(s.metadata, (model::Labels{{"_metrics_accumulator_writer", "w"}}));
}

TEST(ValidatePushTest, RepeatedSeriesAndFamiliesAreLocated) {
  model::Push push = t::Push({t::Family(
      "g", MetricType::kGauge,
      {t::Scalar({{"x", "2"}}, 1), t::Scalar({{"x", "1"}}, 1), t::Scalar({{"x", "2"}}, 1)})});
  // The third series repeats the first; it keeps its place, so its position is right.
  EXPECT_EQ(Check(push), "f0s2: duplicate sample for series g{x=\"2\"}");
  // Out of order with two repeats: the first repeat in the body is the one named.
  model::Push two = t::Push({t::Family(
      "g", MetricType::kGauge,
      {t::Scalar({{"x", "3"}}, 1), t::Scalar({{"x", "1"}}, 1), t::Scalar({{"x", "2"}}, 1),
       t::Scalar({{"x", "1"}}, 1), t::Scalar({{"x", "3"}}, 1), t::Scalar({{"x", "2"}}, 1)})});
  EXPECT_EQ(Check(two), "f0s3: duplicate sample for series g{x=\"1\"}");
  model::Push twice = t::Push({t::Family("g", MetricType::kGauge, {t::Scalar({}, 1)}),
                               t::Family("g", MetricType::kGauge, {t::Scalar({}, 2)})});
  EXPECT_EQ(Check(twice), "f1s0: metric \"g\" appears in two families");
  // Regression (found by proto_delimited_fuzzer): families of one name and different
  // types share no sample name, but are still one metric twice.
  model::Push two_types =
      t::Push({t::Family("rt", MetricType::kCounter, {t::Scalar({}, 1)}),
               t::Family("rt", MetricType::kHistogram, {t::Histogram({}, {INFINITY}, {1}, 1)})});
  EXPECT_EQ(Check(two_types), "f1s0: metric \"rt\" appears in two families");
  model::Push clash =
      t::Push({t::Family("x", MetricType::kHistogram, {t::Histogram({}, {INFINITY}, {1}, 1)}),
               t::Family("x_sum", MetricType::kUntyped, {t::Scalar({}, 2)})});
  EXPECT_EQ(Check(clash),
            "f1s0: metric name \"x_sum\" belongs to both histogram \"x\" and untyped \"x_sum\"");
}

TEST(ValidatePushTest, HistogramsNeedIncreasingBoundsToInfinityAndCumulativeCounts) {
  const auto hist = [](std::vector<double> bounds, std::vector<double> counts) {
    return Check(t::Push({t::Family("h", MetricType::kHistogram,
                                    {t::Histogram({}, std::move(bounds), std::move(counts), 1)})}));
  };
  EXPECT_EQ(hist({0.1, INFINITY}, {1, 2}), "ok");
  EXPECT_EQ(hist({0.1, 1}, {1, 2}), "f0s0: h{}: histogram has no le=\"+Inf\" bucket");
  EXPECT_EQ(hist({1, 0.1, INFINITY}, {1, 1, 2}),
            "f0s0: h{}: histogram bucket bounds must be numbers in increasing order, each once");
  EXPECT_EQ(hist({0.1, 0.1, INFINITY}, {1, 1, 2}),
            "f0s0: h{}: histogram bucket bounds must be numbers in increasing order, each once");
  EXPECT_EQ(hist({0.1, INFINITY}, {2, 1}),
            "f0s0: h{}: histogram bucket counts must be cumulative (never decreasing, never "
            "negative)");
  EXPECT_EQ(hist({0.1, INFINITY}, {-1, 1}),
            "f0s0: h{}: histogram bucket counts must be cumulative (never decreasing, never "
            "negative)");
  EXPECT_EQ(hist({0.1, INFINITY}, {1}), "f0s0: h{}: histogram has 2 bucket bounds but 1 counts");
  Limits few;
  few.max_buckets_per_histogram = 1;
  EXPECT_EQ(Check(t::Push({t::Family("h", MetricType::kHistogram,
                                     {t::Histogram({}, {0.1, INFINITY}, {1, 2}, 1)})}),
                  few),
            "f0s0: h{}: more than 1 buckets in one histogram");
}

TEST(ValidatePushTest, SummariesNeedQuantilesInRangeOnceEach) {
  const auto summary = [](std::vector<model::Quantile> q) {
    model::Push push =
        t::Push({t::Family("s", MetricType::kSummary, {t::Summary({}, std::move(q), 1, 1)})});
    Status s = ValidatePush(push, {}, Where);
    if (!s.ok()) return s.message();
    return std::to_string(
        std::get<model::SummaryValue>(push.families[0].series[0].value).quantiles.front().quantile);
  };
  EXPECT_EQ(summary({{0.9, 1}, {0.5, 2}}), "0.500000");  // put in order
  EXPECT_EQ(summary({{1.5, 1}}), "f0s0: s{}: quantile must be a number between 0 and 1");
  EXPECT_EQ(summary({{NAN, 1}}), "f0s0: s{}: quantile must be a number between 0 and 1");
  EXPECT_EQ(summary({{0.5, 1}, {0.5, 2}}), "f0s0: s{}: a quantile appears twice");
}

TEST(ValidatePushTest, ValueMustFitTheType) {
  EXPECT_EQ(Check(t::Push({t::Family("h", MetricType::kHistogram, {t::Scalar({}, 1)})})),
            "f0s0: h{}: value does not fit metric type histogram");
  EXPECT_EQ(Check(t::Push(
                {t::Family("c", MetricType::kCounter, {t::Histogram({}, {INFINITY}, {1}, 1)})})),
            "f0s0: c{}: value does not fit metric type counter");
}

}  // namespace
}  // namespace accumulator::parse
