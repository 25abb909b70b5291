#include "expose/content_type.h"

#include <gtest/gtest.h>

namespace accumulator::expose {
namespace {

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
  const auto format = [](const std::string& ct) { return PushFormatOf(&ct); };
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

TEST(ContentTypeTest, NegotiationReadsQValuesCaseAndSpacesAsHttpSays) {
  EXPECT_EQ(NegotiateScrapeFormat("Application/OpenMetrics-Text ; Q=0.9 , text/plain;q=0.2"),
            ScrapeFormat::kOpenMetrics);
  EXPECT_EQ(NegotiateScrapeFormat("application/openmetrics-text;q=0.5,text/*;q=0.8"),
            ScrapeFormat::kText);
  // A tie goes to text; an unreadable q counts as 0 (not acceptable).
  EXPECT_EQ(NegotiateScrapeFormat("application/openmetrics-text;q=0.5,text/plain;q=0.5"),
            ScrapeFormat::kText);
  EXPECT_EQ(NegotiateScrapeFormat("application/openmetrics-text;q=x"), ScrapeFormat::kText);
  EXPECT_EQ(NegotiateScrapeFormat("application/openmetrics-text"), ScrapeFormat::kOpenMetrics);
  EXPECT_EQ(NegotiateScrapeFormat("image/png, application/json"), ScrapeFormat::kText);
  EXPECT_EQ(NegotiateScrapeFormat(",,"), ScrapeFormat::kText);
}

TEST(ContentTypeTest, ContentTypesOfTheFormatsAreThePrometheusStrings) {
  EXPECT_EQ(ContentTypeOf(ScrapeFormat::kText), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(ContentTypeOf(ScrapeFormat::kOpenMetrics),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

TEST(ContentTypeTest, PushContentTypesIgnoreCaseSpacesAndQuotes) {
  const auto format = [](const std::string& ct) { return PushFormatOf(&ct); };
  EXPECT_EQ(*format("  "), PushFormat::kText);
  EXPECT_EQ(*format("TEXT/PLAIN"), PushFormat::kText);
  EXPECT_EQ(*format("application/vnd.google.protobuf; Proto=\"io.prometheus.client.MetricFamily\";"
                    " encoding=\"delimited\""),
            PushFormat::kProtoDelimited);
  EXPECT_EQ(format("application/vnd.google.protobuf").status().code(),
            StatusCode::kUnsupportedMedia);
  EXPECT_NE(format("application/xml").status().message().find("application/xml"),
            std::string::npos);
}

}  // namespace
}  // namespace accumulator::expose
