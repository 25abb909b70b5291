#include "expose/text_writer.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "model/number.h"
#include "parse/text_format.h"
#include "support/builders.h"

namespace accumulator::expose {
namespace {

using model::MetricType;
namespace t = accumulator::testing;

std::string Float(double v) {
  std::string s;
  model::AppendFloat(v, s);
  return s;
}

TEST(TextWriterTest, SpellsFloatsShortestAndRoundTrip) {
  EXPECT_EQ(Float(10), "10");
  EXPECT_EQ(Float(0.1), "0.1");
  EXPECT_EQ(Float(-2.5), "-2.5");
  EXPECT_EQ(Float(1e-9), "1e-09");
  EXPECT_EQ(Float(NAN), "NaN");
  EXPECT_EQ(Float(INFINITY), "+Inf");
  EXPECT_EQ(Float(-INFINITY), "-Inf");
  const double tricky = 0.1 + 0.2;
  EXPECT_EQ(std::stod(Float(tricky)), tricky);
  EXPECT_EQ(std::stod(Float(std::numeric_limits<double>::max())),
            std::numeric_limits<double>::max());
}

TEST(TextWriterTest, WritesCounterWithEscapedLabels) {
  model::Family f = t::Family("test_total", MetricType::kCounter,
                              {t::Scalar({{"path", "a\\b\"c\nd"}, {"x", "1"}}, 10)});
  f.help = "line\nbreak \\ here";
  std::string out;
  WriteText({f}, out);
  EXPECT_EQ(out,
            "# HELP test_total line\\nbreak \\\\ here\n"
            "# TYPE test_total counter\n"
            "test_total{path=\"a\\\\b\\\"c\\nd\",x=\"1\"} 10\n");
}

TEST(TextWriterTest, WritesHistogramAndSummary) {
  std::string out;
  WriteText({t::Family("h", MetricType::kHistogram,
                       {t::Histogram({{"a", "1"}}, {0.5, INFINITY}, {1, 3}, 2.5)}),
             t::Family("s", MetricType::kSummary, {t::Summary({}, {{0.5, 0.1}}, 10, 40)})},
            out);
  EXPECT_EQ(out,
            "# TYPE h histogram\n"
            "h_bucket{a=\"1\",le=\"0.5\"} 1\n"
            "h_bucket{a=\"1\",le=\"+Inf\"} 3\n"
            "h_sum{a=\"1\"} 2.5\n"
            "h_count{a=\"1\"} 3\n"
            "# TYPE s summary\n"
            "s{quantile=\"0.5\"} 0.1\n"
            "s_sum 10\n"
            "s_count 40\n");
}

TEST(TextWriterTest, OutputParsesBackToTheSameFamilies) {
  const std::string body =
      "# HELP a_total A counter.\n# TYPE a_total counter\na_total{x=\"q\\\"\\n\"} 3\n"
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.5\nh_count 2\n"
      "# TYPE g gauge\ng NaN\n";
  auto first = parse::ParseText(body, parse::Limits{});
  ASSERT_TRUE(first.ok()) << first.status().message();
  std::string out;
  WriteText(first->families, out);
  auto second = parse::ParseText(out, parse::Limits{});
  ASSERT_TRUE(second.ok()) << second.status().message();
  ASSERT_EQ(first->families.size(), second->families.size());
  for (std::size_t i = 0; i < first->families.size(); ++i) {
    const auto& a = first->families[i];
    const auto& b = second->families[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.help, b.help);
    ASSERT_EQ(a.series.size(), b.series.size());
    for (std::size_t j = 0; j < a.series.size(); ++j) {
      EXPECT_EQ(a.series[j].labels, b.series[j].labels);
      EXPECT_TRUE(model::SameValue(a.series[j].value, b.series[j].value));
    }
  }
}

}  // namespace
}  // namespace accumulator::expose
