#include "expose/openmetrics_writer.h"

#include <gtest/gtest.h>

#include "parse/text_format.h"
#include "support/builders.h"

namespace accumulator::expose {
namespace {

using model::MetricType;
namespace t = accumulator::testing;

TEST(OpenMetricsWriterTest, WritesOpenMetricsNamesAndEof) {
  std::vector<model::Family> families{
      t::Family("jobs_total", MetricType::kCounter, {t::Scalar({{"a", "1"}}, 3)}),
      t::Family("build_info", MetricType::kInfo, {t::Scalar({{"v", "1"}}, 1)}),
      t::Family("raw", MetricType::kUntyped, {t::Scalar({}, 2)})};
  families[0].help = "say \"hi\"";
  std::string out;
  WriteOpenMetrics(families, out);
  EXPECT_EQ(out,
            "# TYPE jobs counter\n# HELP jobs say \\\"hi\\\"\njobs_total{a=\"1\"} 3\n"
            "# TYPE build info\nbuild_info{v=\"1\"} 1\n"
            "# TYPE raw unknown\nraw 2\n"
            "# EOF\n");
}

TEST(OpenMetricsWriterTest, RoundTripsThroughTheOpenMetricsParser) {
  const std::string body =
      "# TYPE jobs counter\njobs_total 3\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
      "h_bucket{le=\"+Inf\"} 2\nh_count 2\nh_sum 0.5\n# TYPE st stateset\nst{st=\"a\"} 1\n# EOF\n";
  auto first = parse::ParseOpenMetrics(body, parse::Limits{});
  ASSERT_TRUE(first.ok()) << first.status().message();
  std::string out;
  WriteOpenMetrics(first->families, out);
  auto second = parse::ParseOpenMetrics(out, parse::Limits{});
  ASSERT_TRUE(second.ok()) << second.status().message() << "\n" << out;
  ASSERT_EQ(first->families.size(), second->families.size());
  for (std::size_t i = 0; i < first->families.size(); ++i) {
    EXPECT_EQ(first->families[i].name, second->families[i].name);
    EXPECT_EQ(first->families[i].type, second->families[i].type);
  }
}

}  // namespace
}  // namespace accumulator::expose
