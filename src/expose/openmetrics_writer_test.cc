#include "expose/openmetrics_writer.h"

#include <gtest/gtest.h>

#include "expose/content_type.h"
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

TEST(ContentTypeTest, NegotiatesScrapeFormatLikePrometheusAsks) {
  // What Prometheus 2.42 sends.
  EXPECT_EQ(NegotiateScrapeFormat(
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
            ScrapeFormat::kOpenMetrics);
  EXPECT_EQ(
      NegotiateScrapeFormat("text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5"),
      ScrapeFormat::kText);
  EXPECT_EQ(NegotiateScrapeFormat(""), ScrapeFormat::kText);
  EXPECT_EQ(NegotiateScrapeFormat("*/*"), ScrapeFormat::kText);
  EXPECT_EQ(NegotiateScrapeFormat("application/openmetrics-text; q=0"), ScrapeFormat::kText);
}

TEST(ContentTypeTest, ClassifiesPushBodies) {
  const auto format = [](std::string ct) { return PushFormatOf(&ct); };
  EXPECT_EQ(*PushFormatOf(nullptr), PushFormat::kText);
  EXPECT_EQ(*format("text/plain; version=0.0.4; charset=utf-8"), PushFormat::kText);
  EXPECT_EQ(*format("application/x-www-form-urlencoded"), PushFormat::kText);
  EXPECT_EQ(*format("application/openmetrics-text; version=1.0.0"), PushFormat::kOpenMetrics);
  EXPECT_EQ(*format("application/json"), PushFormat::kJson);
  EXPECT_EQ(*format("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
                    "encoding=delimited"),
            PushFormat::kProtoDelimited);
  EXPECT_EQ(format("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
                   "encoding=text")
                .status()
                .code(),
            StatusCode::kUnsupportedMedia);
  EXPECT_EQ(format("image/png").status().code(), StatusCode::kUnsupportedMedia);
}

}  // namespace
}  // namespace accumulator::expose
