#include "parse/proto_delimited.h"

#include <cmath>
#include <sstream>

#include <google/protobuf/util/delimited_message_util.h>
#include <gtest/gtest.h>

#include "metrics.pb.h"

namespace accumulator::parse {
namespace {

namespace pb = io::prometheus::client;

std::string Encode(const std::vector<pb::MetricFamily>& families) {
  std::ostringstream out;
  for (const auto& f : families) {
    EXPECT_TRUE(google::protobuf::util::SerializeDelimitedToOstream(f, &out));
  }
  return out.str();
}

pb::MetricFamily Counter(const std::string& name, double value) {
  pb::MetricFamily f;
  f.set_name(name);
  f.set_help("help text");
  f.set_type(pb::COUNTER);
  auto* m = f.add_metric();
  auto* l = m->add_label();
  l->set_name("job");
  l->set_value("batch");
  m->mutable_counter()->set_value(value);
  return f;
}

TEST(ProtoDelimitedTest, ParsesCountersGaugesAndSummaries) {
  pb::MetricFamily gauge;
  gauge.set_name("temp");
  gauge.set_type(pb::GAUGE);
  gauge.add_metric()->mutable_gauge()->set_value(21.5);
  pb::MetricFamily summary;
  summary.set_name("lat");
  summary.set_type(pb::SUMMARY);
  auto* s = summary.add_metric()->mutable_summary();
  s->set_sample_count(4);
  s->set_sample_sum(2);
  auto* q = s->add_quantile();
  q->set_quantile(0.5);
  q->set_value(0.4);
  auto push = ParseProtoDelimited(Encode({Counter("jobs_total", 3), gauge, summary}), Limits{});
  ASSERT_TRUE(push.ok()) << push.status().message();
  ASSERT_EQ(push->families.size(), 3u);
  EXPECT_EQ(push->families[0].name, "jobs_total");
  EXPECT_EQ(push->families[0].help, "help text");
  EXPECT_EQ(push->families[0].series[0].labels, (model::Labels{{"job", "batch"}}));
  EXPECT_EQ(std::get<model::ScalarValue>(push->families[1].series[0].value).value, 21.5);
  const auto& sv = std::get<model::SummaryValue>(push->families[2].series[0].value);
  EXPECT_EQ(sv.count, 4);
  EXPECT_EQ(sv.quantiles[0].value, 0.4);
}

TEST(ProtoDelimitedTest, HistogramGetsItsImplicitInfBucket) {
  pb::MetricFamily f;
  f.set_name("rt");
  f.set_type(pb::HISTOGRAM);
  auto* h = f.add_metric()->mutable_histogram();
  h->set_sample_count(5);
  h->set_sample_sum(1.5);
  auto* b = h->add_bucket();
  b->set_upper_bound(0.1);
  b->set_cumulative_count(2);
  auto push = ParseProtoDelimited(Encode({f}), Limits{});
  ASSERT_TRUE(push.ok()) << push.status().message();
  const auto& hv = std::get<model::HistogramValue>(push->families[0].series[0].value);
  EXPECT_EQ(hv.upper_bounds, (std::vector<double>{0.1, INFINITY}));
  EXPECT_EQ(hv.bucket_counts, (std::vector<double>{2, 5}));
  EXPECT_EQ(hv.count, 5);
}

TEST(ProtoDelimitedTest, RefusesNativeOnlyHistogramsAndGarbage) {
  pb::MetricFamily f;
  f.set_name("native");
  f.set_type(pb::HISTOGRAM);
  auto* h = f.add_metric()->mutable_histogram();
  h->set_schema(3);
  h->set_sample_count(1);
  auto push = ParseProtoDelimited(Encode({f}), Limits{});
  ASSERT_FALSE(push.ok());
  EXPECT_NE(push.status().message().find("native histograms"), std::string::npos);
  std::string truncated = Encode({Counter("a_total", 1)});
  truncated.pop_back();
  EXPECT_FALSE(ParseProtoDelimited(truncated, Limits{}).ok());
  EXPECT_FALSE(ParseProtoDelimited("\xff\xff\xff", Limits{}).ok());
  pb::MetricFamily bad = Counter("bad name", 1);
  EXPECT_NE(ParseProtoDelimited(Encode({bad}), Limits{}).status().message().find("family 1"),
            std::string::npos);
}

TEST(ProtoDelimitedTest, EmptyBodyIsAnEmptyPush) {
  auto push = ParseProtoDelimited("", Limits{});
  ASSERT_TRUE(push.ok());
  EXPECT_TRUE(push->families.empty());
}

}  // namespace
}  // namespace accumulator::parse
