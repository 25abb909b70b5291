#include "parse/grouping_key.h"

#include <gtest/gtest.h>

namespace accumulator::parse {
namespace {

TEST(GroupingKeyTest, PlainJobAndLabels) {
  auto key = ParseGroupingKey("job/nightly/instance/host-1/stage/prod%20eu");
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(*key,
            (model::Labels{{"instance", "host-1"}, {"job", "nightly"}, {"stage", "prod eu"}}));
}

TEST(GroupingKeyTest, Base64ValuesWithAndWithoutPadding) {
  // "a/b" -> YS9i ; "x" -> eA== (padded) or eA (unpadded); "?>" -> Pz4 (url-safe alphabet)
  auto key = ParseGroupingKey("job@base64/YS9i/path@base64/eA==/other@base64/eA/q@base64/Pz4");
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(*model::FindLabel(*key, "job"), "a/b");
  EXPECT_EQ(*model::FindLabel(*key, "path"), "x");
  EXPECT_EQ(*model::FindLabel(*key, "other"), "x");
  EXPECT_EQ(*model::FindLabel(*key, "q"), "?>");
}

TEST(GroupingKeyTest, LoneEqualsIsTheEmptyValue) {
  auto key = ParseGroupingKey("job/j/instance@base64/=");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*model::FindLabel(*key, "instance"), "");
}

TEST(GroupingKeyTest, LastRepeatWinsAndJobSegmentBeatsTail) {
  auto key = ParseGroupingKey("job/real/a/1/a/2/job/fake");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*model::FindLabel(*key, "a"), "2");
  EXPECT_EQ(*model::FindLabel(*key, "job"), "real");
}

TEST(GroupingKeyTest, ErrorsUseThePushgatewayWording) {
  EXPECT_NE(ParseGroupingKey("job/").status().message().find("job name is required"),
            std::string::npos);
  EXPECT_NE(ParseGroupingKey("job@base64/=").status().message().find("job name is required"),
            std::string::npos);
  EXPECT_NE(ParseGroupingKey("job/j/a").status().message().find("odd number of components"),
            std::string::npos);
  EXPECT_NE(ParseGroupingKey("job/j/a@base64/!!").status().message().find("invalid base64"),
            std::string::npos);
  EXPECT_NE(ParseGroupingKey("job/j/__x/1").status().message().find("improper label name"),
            std::string::npos);
  EXPECT_NE(ParseGroupingKey("job/j/a-b/1").status().message().find("improper label name"),
            std::string::npos);
  EXPECT_EQ(ParseGroupingKey("jobs/j").status().code(), StatusCode::kNotFound);
}

TEST(GroupingKeyTest, Base64DecodingRejectsGarbage) {
  EXPECT_EQ(DecodeBase64Url("aGVsbG8"), "hello");
  EXPECT_EQ(DecodeBase64Url(""), "");
  EXPECT_FALSE(DecodeBase64Url("a"));
  EXPECT_FALSE(DecodeBase64Url("aGVsbG8+"));  // standard alphabet '+' is not url-safe
}

TEST(GroupingKeyTest, GroupingLabelsOverrideAndAddEmptyInstance) {
  model::Push push;
  push.families.push_back(
      model::Family{"m",
                    model::MetricType::kGauge,
                    "",
                    {model::Series{{{"job", "body"}, {"x", "1"}}, model::ScalarValue{1}, {}}}});
  ASSERT_TRUE(AddGroupingLabels({{"job", "url"}}, push).ok());
  EXPECT_EQ(push.families[0].series[0].labels,
            (model::Labels{{"instance", ""}, {"job", "url"}, {"x", "1"}}));
}

TEST(GroupingKeyTest, SeriesThatCollapseAreRejected) {
  model::Push push;
  push.families.push_back(
      model::Family{"m",
                    model::MetricType::kGauge,
                    "",
                    {model::Series{{{"job", "a"}}, model::ScalarValue{1}, {}},
                     model::Series{{{"job", "b"}}, model::ScalarValue{2}, {}}}});
  EXPECT_EQ(AddGroupingLabels({{"job", "url"}}, push).code(), StatusCode::kInvalidArgument);
}

TEST(GroupingKeyTest, GroupingLabelsMergeIntoEveryPosition) {
  model::Push push;
  push.families.push_back(model::Family{
      "m",
      model::MetricType::kGauge,
      "",
      {model::Series{{}, model::ScalarValue{1}, {}},
       model::Series{{{"a", "1"}, {"k", "2"}, {"z", "3"}}, model::ScalarValue{2}, {}},
       model::Series{{{"instance", "i"}, {"job", "body"}}, model::ScalarValue{3}, {}}}});
  ASSERT_TRUE(AddGroupingLabels({{"b", "x"}, {"job", "url"}, {"zz", "y"}}, push).ok());
  const auto& series = push.families[0].series;
  EXPECT_EQ(series[0].labels,
            (model::Labels{{"b", "x"}, {"instance", ""}, {"job", "url"}, {"zz", "y"}}));
  EXPECT_EQ(series[1].labels, (model::Labels{{"a", "1"},
                                             {"b", "x"},
                                             {"instance", ""},
                                             {"job", "url"},
                                             {"k", "2"},
                                             {"z", "3"},
                                             {"zz", "y"}}));
  EXPECT_EQ(series[2].labels,
            (model::Labels{{"b", "x"}, {"instance", "i"}, {"job", "url"}, {"zz", "y"}}));
}

TEST(GroupingKeyTest, LabelsBeforeTheFirstNewNameKeepTheirValues) {
  // Regression: once every new name was placed, the merge went on moving the labels
  // before them onto themselves, which emptied one ("job": the scrape then showed a
  // label with no name, which fails every Prometheus scrape of the target).
  model::Push push;
  push.families.push_back(
      model::Family{"m",
                    model::MetricType::kGauge,
                    "",
                    {model::Series{{{"a", "1"}, {"instance", "i"}, {"job", "body"}, {"zz", "2"}},
                                   model::ScalarValue{1},
                                   {}}}});
  ASSERT_TRUE(AddGroupingLabels({{"job", "url"}, {"path", "p"}, {"q", "x"}}, push).ok());
  EXPECT_EQ(
      push.families[0].series[0].labels,
      (model::Labels{
          {"a", "1"}, {"instance", "i"}, {"job", "url"}, {"path", "p"}, {"q", "x"}, {"zz", "2"}}));
}

TEST(GroupingKeyTest, SeriesThatMeetThroughAddedLabelsAreRejected) {
  // One series has the grouping's value already, the other gets it added.
  model::Push job_push;
  job_push.families.push_back(
      model::Family{"m",
                    model::MetricType::kGauge,
                    "",
                    {model::Series{{{"job", "url"}}, model::ScalarValue{1}, {}},
                     model::Series{{}, model::ScalarValue{2}, {}}}});
  EXPECT_EQ(AddGroupingLabels({{"job", "url"}}, job_push).code(), StatusCode::kInvalidArgument);
  // Likewise with the instance="" that fills a gap.
  model::Push instance_push;
  instance_push.families.push_back(
      model::Family{"m",
                    model::MetricType::kGauge,
                    "",
                    {model::Series{{{"instance", ""}}, model::ScalarValue{1}, {}},
                     model::Series{{}, model::ScalarValue{2}, {}}}});
  EXPECT_EQ(AddGroupingLabels({{"job", "url"}}, instance_push).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace accumulator::parse
