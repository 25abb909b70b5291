#include "expose/writer.h"

#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace accumulator::expose {
namespace {

using model::MetricType;

TEST(ExpositionWriterTest, FamilyWithoutSeriesLeavesNothing) {
  for (ScrapeFormat format : {ScrapeFormat::kText, ScrapeFormat::kOpenMetrics}) {
    std::string out;
    ExpositionWriter writer(format, out);
    writer.BeginFamily("gone_total", MetricType::kCounter, "All expired.");
    writer.BeginFamily("up", MetricType::kGauge, "");
    writer.AddSeries(model::Labels{}, model::ScalarValue{1});
    writer.Finish();
    EXPECT_EQ(out, format == ScrapeFormat::kText ? "# TYPE up gauge\nup 1\n"
                                                 : "# TYPE up gauge\nup 1\n# EOF\n");
  }
}

TEST(ExpositionWriterTest, StreamsPackedLabelsAsTheyAre) {
  const model::PackedLabels packed(model::Labels{{"job", "a\"b\\c\nd"}, {"le_not", "x"}});
  std::vector<model::LabelRef> refs;
  packed.Refs(refs);
  std::string out;
  ExpositionWriter writer(ScrapeFormat::kOpenMetrics, out);
  writer.BeginFamily("jobs_total", MetricType::kCounter, "Say \"hi\"\\");
  writer.AddSeries(refs, model::ScalarValue{2.5});
  writer.Finish();
  EXPECT_EQ(out,
            "# TYPE jobs counter\n# HELP jobs Say \\\"hi\\\"\\\\\n"
            "jobs_total{job=\"a\\\"b\\\\c\\nd\",le_not=\"x\"} 2.5\n# EOF\n");
}

TEST(ExpositionWriterTest, LinesLongerThanTheStackBufferAreWhole) {
  // Every character escapes to two: the line is far beyond the writer's stack buffer.
  const std::string value(3000, '"');
  std::string expected_value;
  for (int i = 0; i < 3000; ++i) expected_value += "\\\"";
  std::string out;
  ExpositionWriter writer(ScrapeFormat::kText, out);
  writer.BeginFamily("h", MetricType::kHistogram, "");
  writer.AddSeries(
      model::Labels{{"v", value}},
      model::HistogramValue{{1, std::numeric_limits<double>::infinity()}, {1, 2}, 3, 2});
  EXPECT_EQ(out,
            "# TYPE h histogram\n"
            "h_bucket{v=\"" +
                expected_value +
                "\",le=\"1\"} 1\n"
                "h_bucket{v=\"" +
                expected_value +
                "\",le=\"+Inf\"} 2\n"
                "h_sum{v=\"" +
                expected_value +
                "\"} 3\n"
                "h_count{v=\"" +
                expected_value + "\"} 2\n");
}

}  // namespace
}  // namespace accumulator::expose
