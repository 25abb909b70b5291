#include "parse/json_push.h"

#include <cctype>
#include <cmath>
#include <ostream>

#include <gtest/gtest.h>

namespace accumulator::parse {
namespace {

const model::Family* Find(const model::Push& push, std::string_view name) {
  for (const auto& f : push.families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

TEST(JsonPushTest, SeedLambdaRecordBecomesCounterAndHistogram) {
  auto push = ParseJsonPush(
      R"({"hostname": "lambda-host", "endpoint": "checkout", "request_method": "POST",
          "status_code": 200, "pid": 1234, "value": 0.042})",
      Limits{}, JsonRecordOptions{});
  ASSERT_TRUE(push.ok()) << push.status().message();
  const model::Labels labels{{"endpoint", "checkout"}, {"method", "POST"}, {"status_code", "200"}};
  const auto* requests = Find(*push, "requests_total");
  ASSERT_NE(requests, nullptr);
  EXPECT_EQ(requests->series[0].labels, labels);
  EXPECT_EQ(std::get<model::ScalarValue>(requests->series[0].value).value, 1);
  const auto& h =
      std::get<model::HistogramValue>(Find(*push, "request_duration_seconds")->series[0].value);
  EXPECT_EQ(h.upper_bounds.size(), 12u);
  EXPECT_EQ(h.bucket_counts[0], 0);  // 0.005
  EXPECT_EQ(h.bucket_counts[2], 0);  // 0.025
  EXPECT_EQ(h.bucket_counts[3], 1);  // 0.05
  EXPECT_EQ(h.bucket_counts.back(), 1);
  EXPECT_DOUBLE_EQ(h.sum, 0.042);
}

TEST(JsonPushTest, ArraysAggregateAndOptionalLabelsCanBeEnabled) {
  const char* body =
      R"([{"endpoint":"a","request_method":"GET","status_code":200,"value":0.1,"hostname":"h1"},
          {"endpoint":"a","request_method":"GET","status_code":200,"value":0.3,"hostname":"h1"}])";
  auto push = ParseJsonPush(body, Limits{}, JsonRecordOptions{});
  ASSERT_TRUE(push.ok());
  EXPECT_EQ(std::get<model::ScalarValue>(Find(*push, "requests_total")->series[0].value).value, 2);
  auto with_host = ParseJsonPush(body, Limits{}, JsonRecordOptions{true, false});
  ASSERT_TRUE(with_host.ok());
  EXPECT_NE(model::FindLabel(Find(*with_host, "requests_total")->series[0].labels, "hostname"),
            nullptr);
}

TEST(JsonPushTest, GenericDocument) {
  auto push = ParseJsonPush(R"({"metrics": [
      {"name": "jobs_total", "type": "counter", "help": "Jobs.", "labels": {"q": "x"}, "value": 2},
      {"name": "jobs_total", "type": "counter", "labels": {"q": "y"}, "value": 3},
      {"name": "temp", "type": "gauge", "value": "NaN"},
      {"name": "rt", "type": "histogram", "buckets": {"0.1": 1, "1": 2}, "sum": 0.7, "count": 3}
    ]})",
                            Limits{}, JsonRecordOptions{});
  ASSERT_TRUE(push.ok()) << push.status().message();
  EXPECT_EQ(Find(*push, "jobs_total")->series.size(), 2u);
  EXPECT_EQ(Find(*push, "jobs_total")->help, "Jobs.");
  EXPECT_TRUE(std::isnan(std::get<model::ScalarValue>(Find(*push, "temp")->series[0].value).value));
  const auto& h = std::get<model::HistogramValue>(Find(*push, "rt")->series[0].value);
  EXPECT_EQ(h.bucket_counts, (std::vector<double>{1, 2, 3}));  // +Inf from count
}

struct BadJson {
  const char* body;
  const char* message_part;
};

class JsonPushErrorTest : public ::testing::TestWithParam<BadJson> {};

void PrintTo(const BadJson& b, std::ostream* os) {
  for (const char* c = b.message_part; *c != 0; ++c) *os << (std::isalnum(*c) ? *c : '_');
}

TEST_P(JsonPushErrorTest, NamesTheField) {
  auto push = ParseJsonPush(GetParam().body, Limits{}, JsonRecordOptions{});
  ASSERT_FALSE(push.ok());
  EXPECT_NE(push.status().message().find(GetParam().message_part), std::string::npos)
      << push.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    BadBodies, JsonPushErrorTest,
    ::testing::Values(
        BadJson{"{", "invalid JSON"},
        BadJson{R"({"request_method":"GET","status_code":200,"value":1})",
                "field \"endpoint\" is required"},
        BadJson{R"({"endpoint":"a","request_method":"GET","status_code":200,"value":"slow"})",
                "field \"value\" must be a number"},
        BadJson{R"({"endpoint":"a","request_method":"GET","status_code":"x","value":1,"x":[]})",
                "status_code"},
        BadJson{R"([{"endpoint":"a","request_method":"GET","status_code":200,"value":1}, 5])",
                "record 1: must be a JSON object"},
        BadJson{R"({"endpoint":"a","request_method":"GET","status_code":200,"value":-1})", ">= 0"},
        BadJson{R"({"metrics": {}})", "\"metrics\" must be an array"},
        BadJson{R"({"metrics": [{"type": "gauge", "value": 1}]})", "metrics[0]: field \"name\""},
        BadJson{R"({"metrics": [{"name": "a", "type": "bogus", "value": 1}]})", "field \"type\""},
        BadJson{R"({"metrics": [{"name": "a", "value": 1, "labels": {"x": 1}}]})", "labels.x"},
        BadJson{R"({"metrics": [{"name": "a", "type": "histogram", "count": 1}]})",
                "\"buckets\" is required"},
        BadJson{R"({"metrics": [{"name": "a", "type": "gauge", "value": 1},
                                {"name": "a", "type": "counter", "value": 1}]})",
                "differs from an earlier entry"},
        BadJson{"5", "expected a request record"}));

TEST(JsonPushTest, RefusesDeepNesting) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_NE(ParseJsonPush(deep, Limits{}, JsonRecordOptions{}).status().message().find("deeper"),
            std::string::npos);
}

TEST(JsonPushTest, NumberTooLargeForADoubleIsABadRequestNotACrash) {
  // nlohmann reports this as out_of_range, not parse_error (found by the fuzzer).
  auto parsed = ParseJsonPush(R"({"endpoint": "x", "value": 0.04e222222222})", Limits{}, {});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("number overflow"), std::string::npos);
}

}  // namespace
}  // namespace accumulator::parse
