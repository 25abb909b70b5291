#include "http/console_handler.h"

#include <gtest/gtest.h>

#include "config/config_loader.h"
#include "store/series_store.h"

namespace accumulator::http {
namespace {

constexpr std::string_view kConfig = R"(global:
  adminApiKey: admin-key
metricGroups:
  jobs:
    name: jobs
    apiKey: secret-1
    maxTimeSeries: 1000
  private:
    name: private
    readApiKey: read-key
)";

std::size_t Count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ConsoleHandlerTest : public ::testing::Test {
 protected:
  ConsoleHandlerTest()
      : store_(clock_, 100),
        holder_(std::make_shared<const config::Config>(*config::ParseConfig(kConfig, "t.yml"))),
        console_(store_, holder_, clock_, log_, options_, ready_) {
    store_.Configure({{"jobs", 1000, std::chrono::hours(1)}, {"private", 10, {}}});
  }

  void Push(std::vector<model::Series> series) {
    model::Push push;
    push.families.push_back({"jobs_total", model::MetricType::kCounter, "", std::move(series)});
    ASSERT_TRUE(store_.ApplyThen("jobs", push, {}, [](const Status&) {}).ok());
  }
  Response Group(const std::string& query, const std::string& group = "jobs",
                 std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request r;
    r.method = "GET";
    r.path = "/console/groups/" + group;
    r.query = query;
    r.headers = std::move(headers);
    return console_.Group(r, group);
  }

  FakeClock clock_;
  store::SeriesStore store_;
  config::ConfigHolder holder_;
  PushLog log_;
  ApiOptions options_{{}, 1 << 20, "test", clock_.Now(), {}};
  std::atomic<bool> ready_{true};
  ConsoleHandler console_;
};

TEST_F(ConsoleHandlerTest, UserInputIsShownAsTextNeverAsMarkup) {
  Push({model::ScalarSeries({{"k", "<script>alert(1)</script>"}}, 1)});
  log_.Refused({clock_.Now(), "jobs", 400, "bad_request", "line 1: <img src=x onerror=alert(1)>"});
  const Response group = Group("");
  EXPECT_NE(group.body.find("k=\"&lt;script&gt;alert(1)&lt;/script&gt;\""), std::string::npos);
  EXPECT_EQ(group.body.find("<script>alert"), std::string::npos);
  const Response overview = console_.Overview();
  EXPECT_NE(overview.body.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_EQ(overview.body.find("<img"), std::string::npos);
  // Only this server's own script may run, whatever got into a page.
  bool has_policy = false;
  for (const auto& [name, value] : group.headers) {
    has_policy = has_policy || (name == "Content-Security-Policy" &&
                                value.find("script-src 'self'") != std::string::npos);
  }
  EXPECT_TRUE(has_policy);
}

TEST_F(ConsoleHandlerTest, OverviewShowsLimitsRefusalsAndNoKeys) {
  Push({model::ScalarSeries({{"k", "1"}}, 1), model::ScalarSeries({{"k", "2"}}, 1)});
  log_.Accepted("jobs", clock_.Now());
  log_.Refused({clock_.Now(), "jobs", 422, "limit", "push would create 5 new series"});
  log_.Refused({clock_.Now(), "", 401, "unauthorized", "no metric group has this API key"});
  const Response r = console_.Overview();
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("2 / 1000"), std::string::npos);
  EXPECT_LT(r.body.find("no metric group has this API key"),
            r.body.find("push would create 5 new series"));  // newest first
  EXPECT_EQ(r.body.find("secret-1"), std::string::npos);
  EXPECT_EQ(r.body.find("admin-key"), std::string::npos);
  EXPECT_EQ(Count(r.body, "<rect "), 1u);  // one slot with pushes in the rate chart
}

TEST_F(ConsoleHandlerTest, AReadGuardedGroupAsksForItsKeyAsBasicAuth) {
  const Response refused = Group("", "private");
  EXPECT_EQ(refused.status, 401);
  ASSERT_EQ(refused.headers.size(), 3u);
  EXPECT_EQ(refused.headers[2].first, "WWW-Authenticate");
  EXPECT_EQ(refused.headers[2].second.rfind("Basic realm=", 0), 0u);
  // ":read-key" in base64: any user name, the key as the password.
  EXPECT_EQ(Group("", "private", {{"authorization", "Basic OnJlYWQta2V5"}}).status, 200);
  EXPECT_EQ(Group("", "nope").status, 404);
}

TEST_F(ConsoleHandlerTest, BrowsesAPageAtATimeThroughASelector) {
  std::vector<model::Series> series;
  for (int i = 0; i < 250; ++i) {
    char value[8];
    std::snprintf(value, sizeof value, "%03d", i);
    series.push_back(model::ScalarSeries({{"k", value}, {"parity", i % 2 ? "odd" : "even"}}, i));
  }
  Push(std::move(series));
  Response first = Group("");
  EXPECT_EQ(Count(first.body, "<tr><td><code>"), ConsoleHandler::kPageSize);
  EXPECT_NE(first.body.find("id=\"next\" href=\"/console/groups/jobs?match=&amp;page=1\""),
            std::string::npos);
  EXPECT_EQ(first.body.find("id=\"previous\""), std::string::npos);
  Response last = Group("page=2");
  EXPECT_EQ(Count(last.body, "<tr><td><code>"), 50u);
  EXPECT_EQ(last.body.find("id=\"next\""), std::string::npos);
  EXPECT_NE(last.body.find("k=\"249\""), std::string::npos);
  Response odd = Group("match=%7Bparity%3D%22odd%22%2Ck%3D~%2210.%22%7D");
  EXPECT_EQ(Count(odd.body, "<tr><td><code>"), 5u);  // 101, 103, ... 109
  EXPECT_NE(odd.body.find("id=\"delete\""), std::string::npos);
  Response bad = Group("match=%7Bk%3D");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("id=\"problem\""), std::string::npos);
  EXPECT_EQ(Group("page=x").status, 400);
}

}  // namespace
}  // namespace accumulator::http
