#include "parse/text_format.h"

#include <cctype>
#include <cmath>
#include <ostream>

#include <gtest/gtest.h>

namespace accumulator::parse {
namespace {

using model::MetricType;

const model::Family* Find(const model::Push& push, std::string_view name) {
  for (const auto& f : push.families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

double Scalar(const model::Series& s) { return std::get<model::ScalarValue>(s.value).value; }

TEST(TextFormatTest, ParsesTheUpstreamReadmeExample) {
  // Note: type before help, empty HELP, a space before '{', no final newline.
  auto push = ParseText(
      "# TYPE test_total counter\n# HELP test_total\n"
      "test_total {span_id=\"321\",trace_id=\"123\"} 5.0",
      Limits{});
  ASSERT_TRUE(push.ok()) << push.status().message();
  ASSERT_EQ(push->families.size(), 1u);
  const auto& f = push->families[0];
  EXPECT_EQ(f.name, "test_total");
  EXPECT_EQ(f.type, MetricType::kCounter);
  EXPECT_EQ(f.help, "");
  ASSERT_EQ(f.series.size(), 1u);
  EXPECT_EQ(f.series[0].labels, (model::Labels{{"span_id", "321"}, {"trace_id", "123"}}));
  EXPECT_EQ(Scalar(f.series[0]), 5.0);
}

TEST(TextFormatTest, HandlesCrlfCommentsBlankLinesAndTimestamps) {
  auto push = ParseText(
      "# a comment\r\n\r\n#no space comment\r\n  \r\n"
      "# HELP up Is it up?\r\n# TYPE up gauge\r\nup{a=\"b\"} 1 1700000000000\r\n",
      Limits{});
  ASSERT_TRUE(push.ok()) << push.status().message();
  ASSERT_EQ(push->families.size(), 1u);
  EXPECT_EQ(push->families[0].help, "Is it up?");
  EXPECT_EQ(Scalar(push->families[0].series[0]), 1.0);
}

TEST(TextFormatTest, UnescapesLabelValuesAndHelp) {
  auto push = ParseText(
      "# HELP m line one\\nline \\\\two\nm{path=\"C:\\\\dir\",q=\"say \\\"hi\\\"\",nl=\"a\\nb\","
      "utf=\"h\xC3\xA9\"} 2\n",
      Limits{});
  ASSERT_TRUE(push.ok()) << push.status().message();
  const auto& f = push->families[0];
  EXPECT_EQ(f.help, "line one\nline \\two");
  const auto& labels = f.series[0].labels;
  EXPECT_EQ(*model::FindLabel(labels, "path"), "C:\\dir");
  EXPECT_EQ(*model::FindLabel(labels, "q"), "say \"hi\"");
  EXPECT_EQ(*model::FindLabel(labels, "nl"), "a\nb");
  EXPECT_EQ(*model::FindLabel(labels, "utf"), "h\xC3\xA9");
}

TEST(TextFormatTest, KeepsTheLabelsOfEveryLineApart) {
  // Values are read as views into the body or into a buffer reused from line to line;
  // each series must still keep its own, sorted by name, series in body order.
  auto push = ParseText(
      "m{z=\"first \\\"quoted\\\" value, longer than a short string\",a=\"x\\ny\"} 1\n"
      "m{z=\"second \\\\ value, longer than a short string too\",a=\"plain\"} 2\n",
      Limits{});
  ASSERT_TRUE(push.ok()) << push.status().message();
  const auto& series = push->families[0].series;
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(
      series[0].labels,
      (model::Labels{{"a", "x\ny"}, {"z", "first \"quoted\" value, longer than a short string"}}));
  EXPECT_EQ(Scalar(series[0]), 1);
  EXPECT_EQ(
      series[1].labels,
      (model::Labels{{"a", "plain"}, {"z", "second \\ value, longer than a short string too"}}));
  EXPECT_EQ(Scalar(series[1]), 2);
}

TEST(TextFormatTest, ParsesSpecialFloatValues) {
  auto push = ParseText("a NaN\nb +Inf\nc -Inf\nd 1e3\ne -0.5\nf +7\n", Limits{});
  ASSERT_TRUE(push.ok()) << push.status().message();
  EXPECT_TRUE(std::isnan(Scalar(Find(*push, "a")->series[0])));
  EXPECT_EQ(Scalar(Find(*push, "b")->series[0]), INFINITY);
  EXPECT_EQ(Scalar(Find(*push, "c")->series[0]), -INFINITY);
  EXPECT_EQ(Scalar(Find(*push, "d")->series[0]), 1000);
  EXPECT_EQ(Scalar(Find(*push, "e")->series[0]), -0.5);
  EXPECT_EQ(Scalar(Find(*push, "f")->series[0]), 7);
  EXPECT_EQ(Find(*push, "a")->type, MetricType::kUntyped);
}

TEST(TextFormatTest, AssemblesHistogramSeries) {
  auto push = ParseText(
      "# TYPE rt histogram\n"
      "rt_bucket{path=\"/\",le=\"0.5\"} 1\nrt_bucket{path=\"/\",le=\"+Inf\"} 3\n"
      "rt_bucket{path=\"/\",le=\"0.1\"} 0\n"
      "rt_sum{path=\"/\"} 2.5\nrt_count{path=\"/\"} 3\nrt_created{path=\"/\"} 1.7e9\n",
      Limits{});
  ASSERT_TRUE(push.ok()) << push.status().message();
  ASSERT_EQ(push->families.size(), 1u);
  const auto& s = push->families[0].series[0];
  EXPECT_EQ(s.labels, (model::Labels{{"path", "/"}}));
  const auto& h = std::get<model::HistogramValue>(s.value);
  EXPECT_EQ(h.upper_bounds, (std::vector<double>{0.1, 0.5, INFINITY}));
  EXPECT_EQ(h.bucket_counts, (std::vector<double>{0, 1, 3}));
  EXPECT_EQ(h.sum, 2.5);
  EXPECT_EQ(h.count, 3);
}

TEST(TextFormatTest, AssemblesInterleavedSeries) {
  // Lines of one series need not be adjacent; each goes to the series its labels name.
  auto push = ParseText(
      "# TYPE rt histogram\n"
      "rt_bucket{path=\"/a\",le=\"+Inf\"} 3\nrt_bucket{path=\"/b\",le=\"+Inf\"} 5\n"
      "rt_sum{path=\"/a\"} 1.5\nrt_sum{path=\"/b\"} 2.5\nrt_count{path=\"/a\"} 3\n",
      Limits{});
  ASSERT_TRUE(push.ok()) << push.status().message();
  const auto& series = push->families[0].series;
  ASSERT_EQ(series.size(), 2u);
  const auto& a = std::get<model::HistogramValue>(series[0].value);
  const auto& b = std::get<model::HistogramValue>(series[1].value);
  EXPECT_EQ(a.sum, 1.5);
  EXPECT_EQ(a.count, 3);
  EXPECT_EQ(b.sum, 2.5);
  EXPECT_EQ(b.count, 5);

  auto repeated = ParseText("c{x=\"1\"} 1\nc{x=\"2\"} 1\nc{x=\"1\"} 2\n", Limits{});
  ASSERT_FALSE(repeated.ok());
  EXPECT_EQ(repeated.status().message(), "line 3: duplicate sample for series c{x=\"1\"}");
}

TEST(TextFormatTest, HelpLineRedirectsLaterSamplesOfItsName) {
  // After "# HELP x_bucket", x_bucket is a family of its own, no longer histogram x's
  // buckets: the two now claim one sample name.
  auto push = ParseText(
      "# TYPE x histogram\nx_bucket{le=\"+Inf\"} 1\n# HELP x_bucket other\n"
      "x_bucket{le=\"+Inf\"} 2\n",
      Limits{});
  ASSERT_FALSE(push.ok());
  EXPECT_NE(push.status().message().find("metric name \"x_bucket\" belongs to both"),
            std::string::npos)
      << push.status().message();
}

TEST(TextFormatTest, AssemblesSummarySeries) {
  auto push = ParseText(
      "# TYPE lat summary\nlat{quantile=\"0.9\"} 0.2\nlat{quantile=\"0.5\"} 0.1\n"
      "lat_sum 10\nlat_count 40\n",
      Limits{});
  ASSERT_TRUE(push.ok()) << push.status().message();
  const auto& sv = std::get<model::SummaryValue>(push->families[0].series[0].value);
  ASSERT_EQ(sv.quantiles.size(), 2u);
  EXPECT_EQ(sv.quantiles[0].quantile, 0.5);
  EXPECT_EQ(sv.sum, 10);
  EXPECT_EQ(sv.count, 40);
}

TEST(TextFormatTest, DropsCreatedCompanionFamilies) {
  auto push = ParseText(
      "# TYPE jobs_total counter\njobs_total 3\n# TYPE jobs_created gauge\njobs_created 1.7e9\n"
      "# TYPE other_created gauge\nother_created 5\n",
      Limits{});
  ASSERT_TRUE(push.ok()) << push.status().message();
  EXPECT_NE(Find(*push, "jobs_total"), nullptr);
  EXPECT_EQ(Find(*push, "jobs_created"), nullptr);
  EXPECT_NE(Find(*push, "other_created"), nullptr);  // no counter beside it: real data
}

TEST(TextFormatTest, SeparatesMetadataLabelsFromIdentity) {
  auto push =
      ParseText("# TYPE g gauge\ng{a=\"1\",_metrics_accumulator_latest=\"17\"} 4\n", Limits{});
  ASSERT_TRUE(push.ok());
  const auto& s = push->families[0].series[0];
  EXPECT_EQ(s.labels, (model::Labels{{"a", "1"}}));
  EXPECT_EQ(s.metadata, (model::Labels{{"_metrics_accumulator_latest", "17"}}));
}

struct BadInput {
  const char* body;
  const char* message_part;
};

// Readable test names in ctest output.
void PrintTo(const BadInput& input, std::ostream* os) {
  for (const char* c = input.message_part; *c != 0; ++c) *os << (std::isalnum(*c) ? *c : '_');
}

class TextFormatErrorTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(TextFormatErrorTest, NamesLineAndProblem) {
  auto push = ParseText(GetParam().body, Limits{});
  ASSERT_FALSE(push.ok()) << GetParam().body;
  EXPECT_EQ(push.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(push.status().message().find(GetParam().message_part), std::string::npos)
      << push.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    BadBodies, TextFormatErrorTest,
    ::testing::Values(
        BadInput{"ok 1\nbad{a=\"1\" 2\n", "line 2: expected ',' or '}'"},
        BadInput{"m{a=\"1\"\n", "line 1: label set is not closed"},
        BadInput{"m{a=\"x} 1\n", "not closed with '\"'"},
        BadInput{"m{a=\"\\q\"} 1\n", "invalid escape sequence"},
        BadInput{"m abc\n", "invalid value \"abc\""}, BadInput{"m\n", "missing value"},
        BadInput{"m 1 2 3\n", "unexpected text after the timestamp"},
        BadInput{"m 1 xyz\n", "invalid timestamp"},
        BadInput{"m{a=\"1\",a=\"2\"} 1\n", "label name repeats"},
        BadInput{"m{__name__=\"x\"} 1\n", "invalid label name \"__name__\""},
        BadInput{"m{1a=\"x\"} 1\n", "invalid label name \"1a\""},
        BadInput{"m 1\nm 2\n", "line 2: duplicate sample"},
        BadInput{"# TYPE m counter\n# TYPE m gauge\n", "second TYPE line"},
        BadInput{"# TYPE m blah\n", "unknown metric type \"blah\""},
        BadInput{"m 1\n# TYPE m gauge\n", "comes after its samples"},
        BadInput{"# TYPE h histogram\nh_bucket{le=\"1\"} 1\n", "no le=\"+Inf\" bucket"},
        BadInput{"# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\n",
                 "cumulative"},
        BadInput{"# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", "\"le\" label"},
        BadInput{"# TYPE h histogram\nh 1\n", "must end in _bucket"},
        BadInput{"# TYPE s summary\ns 1\n", "no \"quantile\" label"},
        BadInput{"# TYPE s summary\ns{quantile=\"2\"} 1\n", "between 0 and 1"},
        BadInput{"m{a=\"\xFF\"} 1\n", "not valid UTF-8"},
        BadInput{"{a=\"1\"} 1\n", "unexpected character '{'"},
        BadInput{"# HELP\n", "missing metric name"},
        BadInput{"rt_sum 1\n# TYPE rt histogram\nrt_bucket{le=\"+Inf\"} 1\n",
                 "metric name \"rt_sum\" belongs to both"}));

TEST(TextFormatTest, EnforcesLimits) {
  Limits limits;
  limits.max_labels_per_series = 2;
  limits.max_label_value_length = 4;
  limits.max_name_length = 8;
  EXPECT_FALSE(ParseText("m{a=\"1\",b=\"2\",c=\"3\"} 1\n", limits).ok());
  EXPECT_FALSE(ParseText("m{a=\"12345\"} 1\n", limits).ok());
  EXPECT_FALSE(ParseText("metric_name_too_long 1\n", limits).ok());
  EXPECT_TRUE(ParseText("m{a=\"1\",b=\"2\"} 1\n", limits).ok());
}

TEST(TextFormatTest, EmptyBodyIsAnEmptyPush) {
  auto push = ParseText("", Limits{});
  ASSERT_TRUE(push.ok());
  EXPECT_TRUE(push->families.empty());
}

}  // namespace
}  // namespace accumulator::parse

namespace accumulator::parse {
namespace {

TEST(OpenMetricsTest, ParsesCountersInfoStatesetAndIgnoresExemplarsAndCreated) {
  auto push = ParseOpenMetrics(
      "# TYPE jobs counter\n# UNIT jobs jobs\n# HELP jobs Jobs run.\n"
      "jobs_total{a=\"1\"} 3 1700000000.5 # {trace_id=\"abc\"} 1 1700000000\n"
      "jobs_created{a=\"1\"} 1700000000\n"
      "# TYPE build info\nbuild_info{version=\"1.2\"} 1\n"
      "# TYPE feature stateset\nfeature{feature=\"a\"} 1\nfeature{feature=\"b\"} 0\n"
      "# TYPE t unknown\nt 5\n"
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1 # {x=\"y\"} 0.5\nh_bucket{le=\"+Inf\"} 2\n"
      "h_count 2\nh_sum 3\nh_created 1700000000\n"
      "# EOF\n",
      Limits{});
  ASSERT_TRUE(push.ok()) << push.status().message();
  const auto* jobs = Find(*push, "jobs_total");
  ASSERT_NE(jobs, nullptr);
  EXPECT_EQ(jobs->type, MetricType::kCounter);
  EXPECT_EQ(jobs->help, "Jobs run.");
  ASSERT_EQ(jobs->series.size(), 1u);
  EXPECT_EQ(Scalar(jobs->series[0]), 3);
  ASSERT_NE(Find(*push, "build_info"), nullptr);
  EXPECT_EQ(Find(*push, "build_info")->type, MetricType::kInfo);
  EXPECT_EQ(Find(*push, "feature")->type, MetricType::kStateset);
  EXPECT_EQ(Find(*push, "feature")->series.size(), 2u);
  EXPECT_EQ(Find(*push, "t")->type, MetricType::kUntyped);
  const auto& h = std::get<model::HistogramValue>(Find(*push, "h")->series[0].value);
  EXPECT_EQ(h.count, 2);
  EXPECT_EQ(push->families.size(), 5u);
}

TEST(OpenMetricsTest, RequiresEofAndNothingAfterIt) {
  EXPECT_NE(ParseOpenMetrics("a 1\n", Limits{}).status().message().find("# EOF"),
            std::string::npos);
  EXPECT_NE(ParseOpenMetrics("a 1\n# EOF\nb 2\n", Limits{}).status().message().find("after # EOF"),
            std::string::npos);
  EXPECT_TRUE(ParseOpenMetrics("# EOF", Limits{}).ok());
}

TEST(OpenMetricsTest, RefusesGaugeHistogramAndUntypedKeyword) {
  EXPECT_FALSE(ParseOpenMetrics("# TYPE g gaugehistogram\n# EOF\n", Limits{}).ok());
  EXPECT_FALSE(ParseOpenMetrics("# TYPE g untyped\n# EOF\n", Limits{}).ok());
  EXPECT_FALSE(ParseText("# TYPE g info\n", Limits{}).ok());
}

}  // namespace
}  // namespace accumulator::parse
