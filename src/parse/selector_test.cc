#include "parse/selector.h"

#include <gtest/gtest.h>

namespace accumulator::parse {
namespace {

TEST(SelectorTest, MatchesEqualityAndRegex) {
  auto s = ParseSelector(R"(http_total{job="x", code=~"5..", env!="dev", path!~"/health.*"})");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE(s->Matches("http_total", {{"code", "503"}, {"job", "x"}, {"path", "/api"}}));
  EXPECT_FALSE(s->Matches("other", {{"code", "503"}, {"job", "x"}}));
  EXPECT_FALSE(s->Matches("http_total", {{"code", "200"}, {"job", "x"}}));
  EXPECT_FALSE(s->Matches("http_total", {{"code", "500"}, {"env", "dev"}, {"job", "x"}}));
  EXPECT_FALSE(s->Matches("http_total", {{"code", "500"}, {"job", "x"}, {"path", "/healthz"}}));
}

TEST(SelectorTest, LabelOnlySelectorAndMissingLabelsAreEmpty) {
  auto s = ParseSelector(R"({function_version="3"})");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Matches("any", {{"function_version", "3"}}));
  EXPECT_FALSE(s->Matches("any", {}));
  auto absent = ParseSelector(R"({job="x", stage=""})");
  ASSERT_TRUE(absent.ok());
  EXPECT_TRUE(absent->Matches("m", {{"job", "x"}}));
  EXPECT_FALSE(absent->Matches("m", {{"job", "x"}, {"stage", "a"}}));
}

TEST(SelectorTest, RegexIsAnchored) {
  auto s = ParseSelector(R"({job=~"ab"})");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Matches("m", {{"job", "ab"}}));
  EXPECT_FALSE(s->Matches("m", {{"job", "xaby"}}));
}

TEST(SelectorTest, PathologicalRegexStaysFast) {
  // Exponential for backtracking engines; linear for RE2.
  auto s = ParseSelector(R"({job=~"(a*)*(b|c)*(a|aa)*d"})");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_FALSE(s->Matches("m", {{"job", std::string(4000, 'a')}}));
}

TEST(SelectorTest, RefusesBadOrUnselectiveSelectors) {
  EXPECT_FALSE(ParseSelector("{}").ok());
  EXPECT_FALSE(ParseSelector(R"({job=~".*"})").ok());
  EXPECT_FALSE(ParseSelector(R"({job="x")").ok());
  EXPECT_FALSE(ParseSelector(R"({job=x})").ok());
  EXPECT_FALSE(ParseSelector(R"({job=~"("})").ok());
  EXPECT_FALSE(ParseSelector(R"(m{a="1"} extra)").ok());
  EXPECT_TRUE(ParseSelector("just_a_name").ok());
}

}  // namespace
}  // namespace accumulator::parse
