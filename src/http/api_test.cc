#include "http/api.h"

#include <cstdio>
#include <functional>
#include <optional>

#include <gtest/gtest.h>

#include "config/config_loader.h"
#include "http/gzip.h"
#include "store/series_store.h"

namespace accumulator::http {
namespace {

constexpr std::string_view kConfig = R"(global:
  hostAddress: acc.example:8080
  adminApiKey: admin-key
metricGroups:
  default:
    name: default
    apiKey: secret-1
    maxTimeSeries: 3
    displayMetrics: true
    serviceDiscoveryLabels: {env: qa}
  hidden:
    name: hidden
    displayMetrics: false
  second:
    name: second
    displayMetrics: true
  private:
    name: private
    readApiKey: read-key
    displayMetrics: true
)";

std::shared_ptr<const config::Config> Load(std::string_view text) {
  auto c = config::ParseConfig(text, "test.yml");
  EXPECT_TRUE(c.ok()) << c.status().message();
  return std::make_shared<const config::Config>(std::move(*c));
}

std::vector<store::GroupSettings> SettingsOf(const config::Config& c) {
  std::vector<store::GroupSettings> out;
  for (const auto& g : c.groups) out.push_back({g.name, g.max_time_series, g.series_ttl});
  return out;
}

class ApiTest : public ::testing::Test {
 protected:
  ApiTest()
      : store_(clock_, 1000),
        holder_(Load(kConfig)),
        api_(
            store_, holder_, clock_, stats_, [this] { return reload_result_; },
            ApiOptions{{}, 1 << 20, "test", clock_.Now(), {}}) {
    store_.Configure(SettingsOf(*holder_.Get()));
    api_.SetReady(true);
  }

  Response Call(std::string method, const std::string& path, std::string body = "",
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request r;
    r.method = std::move(method);
    const auto q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) r.query = path.substr(q + 1);
    r.body = std::move(body);
    r.headers = std::move(headers);
    Response response = api_.Handle(r);
    response.CollectBody();
    return response;
  }
  Response Push(const std::string& group, std::string body, std::string key = "secret-1") {
    return Call("POST", "/update/" + group, std::move(body), {{"x-api-key", key}});
  }

  FakeClock clock_;
  store::SeriesStore store_;
  config::ConfigHolder holder_;
  ApiStats stats_;
  Status reload_result_;
  Api api_;
};

TEST_F(ApiTest, UpstreamReadmeExamplePushedTwiceReadsTen) {
  const std::string body =
      "# TYPE test_total counter\n# HELP test_total\ntest_total {span_id=\"321\",trace_id=\"123\"} "
      "5.0";
  EXPECT_EQ(Push("default", body).status, 201);
  EXPECT_EQ(Push("default", body).status, 201);
  Response r = Call("GET", "/metrics/default");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("test_total{span_id=\"321\",trace_id=\"123\"} 10\n"), std::string::npos)
      << r.body;
}

// Reports durability when the test says so, as fsync: always does from its own thread.
class HeldJournal : public store::Journal {
 public:
  Result<Ticket> RecordPush(std::string_view, std::chrono::seconds, TimePoint, const model::Push&,
                            const store::PushTag&) override {
    return ++last_;
  }
  Result<Ticket> RecordReset(std::string_view, TimePoint) override { return ++last_; }
  Result<Ticket> RecordDelete(std::string_view, TimePoint,
                              const std::vector<store::SeriesRef>&) override {
    return ++last_;
  }
  Result<Ticket> RecordDrop(std::string_view, TimePoint) override { return ++last_; }
  Status WaitDurable(Ticket) override { return Status::Ok(); }
  void WhenDurable(Ticket, std::function<void(Status)> done) override {
    held_.push_back(std::move(done));
  }
  void Release(const Status& outcome) {
    for (auto& done : held_) done(outcome);
    held_.clear();
  }

 private:
  Ticket last_ = 0;
  std::vector<std::function<void(Status)>> held_;
};

TEST_F(ApiTest, DurablePushIsAnsweredWhenTheJournalReportsIt) {
  HeldJournal journal;
  store_.SetJournal(&journal);
  Request request;
  request.method = "POST";
  request.path = "/update/default";
  request.body = "# TYPE d_total counter\nd_total 1\n";
  request.headers = {{"x-api-key", "secret-1"}};

  // The journal reports after the server asked for the answer.
  Response first = api_.Handle(request);
  ASSERT_TRUE(first.deferred);
  std::optional<Response> answered;
  first.deferred([&answered](Response r) { answered = std::move(r); });
  EXPECT_FALSE(answered.has_value());
  journal.Release(Status::Ok());
  ASSERT_TRUE(answered.has_value());
  EXPECT_EQ(answered->status, 201);

  // ... and before it: the answer waits, and says the change is not durable.
  Response second = api_.Handle(request);
  ASSERT_TRUE(second.deferred);
  journal.Release(Status::Unavailable("fsync failed"));
  answered.reset();
  second.deferred([&answered](Response r) { answered = std::move(r); });
  ASSERT_TRUE(answered.has_value());
  EXPECT_EQ(answered->status, 503);
  EXPECT_NE(answered->body.find("could not be made durable: fsync failed"), std::string::npos)
      << answered->body;

  // Both were applied; only the durable one counts as an accepted push.
  store_.SetJournal(nullptr);
  EXPECT_NE(Call("GET", "/metrics/default").body.find("d_total 2\n"), std::string::npos);
  const std::string self = Call("GET", "/metrics").body;
  EXPECT_NE(self.find("metrics_accumulator_pushes_accepted_total{group=\"default\"} 1\n"),
            std::string::npos)
      << self;
}

TEST_F(ApiTest, KeysAreChecked) {
  EXPECT_EQ(Call("POST", "/update/default", "a 1\n").status, 401);
  Response wrong = Push("default", "a 1\n", "nope");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("wrong API key"), std::string::npos);
  EXPECT_EQ(Push("hidden", "a 1\n", "").status, 201);  // no key configured: open
}

TEST_F(ApiTest, ErrorsMapToStatusCodes) {
  EXPECT_EQ(Push("nope", "a 1\n").status, 404);
  Response bad = Push("default", "a{ 1\n");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("line 1"), std::string::npos);
  EXPECT_EQ(Push("default", "# TYPE c counter\nc 1\n").status, 201);
  EXPECT_EQ(Push("default", "# TYPE c gauge\nc 1\n").status, 409);
  EXPECT_EQ(Push("default", "x 1\ny 1\nz 1\n").status, 422);  // 1 + 3 > 3
  EXPECT_EQ(Push("default", "").status, 400);
  EXPECT_EQ(Call("POST", "/update/default", "a 1",
                 {{"x-api-key", "secret-1"}, {"content-type", "application/json"}})
                .status,
            415);
  EXPECT_EQ(Call("GET", "/update/default").status, 405);
  EXPECT_EQ(Call("GET", "/nowhere").status, 404);
  EXPECT_EQ(Call("GET", "/metrics/nope").status, 404);
}

TEST_F(ApiTest, AcceptsGzipBodiesAndServesGzipScrapes) {
  Response r = Call("POST", "/update/default", GzipCompress("g 42\n"),
                    {{"x-api-key", "secret-1"}, {"content-encoding", "gzip"}});
  EXPECT_EQ(r.status, 201) << r.body;
  Response scrape = Call("GET", "/metrics/default", "", {{"accept-encoding", "gzip"}});
  auto plain = GzipDecompress(scrape.body, 1 << 20);
  ASSERT_TRUE(plain.ok());
  EXPECT_NE(plain->find("g 42"), std::string::npos);
}

TEST_F(ApiTest, ResetAndReloadNeedTheAdminKey) {
  ASSERT_EQ(Push("default", "g 1\n").status, 201);
  EXPECT_EQ(Call("PUT", "/reset-metric-group/default").status, 401);
  Response ok = Call("PUT", "/reset-metric-group/default", "", {{"x-api-key", "admin-key"}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "Metrics reset for default");
  EXPECT_EQ(Call("PUT", "/reset-metric-group/nope", "", {{"x-api-key", "admin-key"}}).status, 404);
  EXPECT_EQ(Call("PUT", "/reload-configuration").status, 401);
  EXPECT_EQ(Call("PUT", "/reload-configuration", "", {{"x-api-key", "admin-key"}}).body,
            "configurations has been reloaded");
  reload_result_ = Status::FailedPrecondition("invalid configuration: x.yml:3: bad");
  Response refused = Call("PUT", "/reload-configuration", "", {{"x-api-key", "admin-key"}});
  EXPECT_EQ(refused.status, 417);
  EXPECT_NE(refused.body.find("x.yml:3"), std::string::npos);
}

TEST_F(ApiTest, ServiceDiscoveryListsDisplayedGroups) {
  Response r = Call("GET", "/service-discovery");
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body,
            "[{\"targets\":[\"acc.example:8080\"],\"labels\":{\"env\":\"qa\","
            "\"__meta_metrics_path\":\"metrics/default\"}},"
            "{\"targets\":[\"acc.example:8080\"],\"labels\":{"
            "\"__meta_metrics_path\":\"metrics/second\"}},"
            // A read-guarded group is still a target; scraping it needs the key.
            "{\"targets\":[\"acc.example:8080\"],\"labels\":{"
            "\"__meta_metrics_path\":\"metrics/private\"}}]");
}

TEST_F(ApiTest, ConfigurationViewsNeverShowKeys) {
  for (const char* path : {"/current-configurations", "/"}) {
    Response r = Call("GET", path);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.find("secret-1"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("admin-key"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("read-key"), std::string::npos) << path;
    EXPECT_NE(r.body.find("redacted"), std::string::npos) << path;
  }
}

TEST_F(ApiTest, LargeScrapeIsMadeInPiecesAndAPushBetweenThemShowsInTheLaterOnes) {
  const auto line = [](int i, int value) {
    char name[16];
    std::snprintf(name, sizeof name, "%05d", i);
    return "many_total{i=\"" + std::string(name) + "\",pad=\"" + std::string(40, 'p') + "\"} " +
           std::to_string(value) + "\n";
  };
  std::string body = "# TYPE many_total counter\n";
  for (int i = 0; i < 8000; ++i) body += line(i, 1);
  ASSERT_EQ(Call("POST", "/update/second", body).status, 201);

  Request get;
  get.method = "GET";
  get.path = "/metrics/second";
  Response response = api_.Handle(get);
  ASSERT_TRUE(response.body_source);
  std::string piece;
  ASSERT_TRUE(response.body_source(piece));  // more follow
  std::string text = piece;
  EXPECT_LT(piece.size(), body.size() / 2 + std::size_t{100} * 1024);
  // Both series the push adds to: one already written, one not yet.
  ASSERT_NE(text.find(line(0, 1)), std::string::npos);
  ASSERT_EQ(text.find("i=\"07999\""), std::string::npos);
  ASSERT_EQ(
      Call("POST", "/update/second", "# TYPE many_total counter\n" + line(0, 1) + line(7999, 1))
          .status,
      201);
  for (bool more = true; more;) {
    piece.clear();
    more = response.body_source(piece);
    text += piece;
  }
  EXPECT_NE(text.find(line(0, 1)), std::string::npos);
  EXPECT_NE(text.find(line(7999, 2)), std::string::npos);
  EXPECT_EQ(text.size(), body.size() + line(7999, 2).size() - line(7999, 1).size());
}

TEST_F(ApiTest, ScrapeAllMergesDisplayedGroupsFirstWins) {
  ASSERT_EQ(Push("default", "# TYPE shared gauge\nshared 1\n# TYPE typed gauge\ntyped 1\n").status,
            201);
  ASSERT_EQ(Push("second",
                 "# TYPE shared gauge\nshared 2\nshared{x=\"y\"} 3\n"
                 "# TYPE typed counter\ntyped 5\n",
                 "")
                .status,
            201);
  ASSERT_EQ(Push("hidden", "secret_metric 1\n", "").status, 201);
  Response r = Call("GET", "/metrics");
  EXPECT_NE(r.body.find("shared 1\n"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("shared 2\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("shared{x=\"y\"} 3\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("# TYPE typed gauge"), std::string::npos);
  EXPECT_EQ(r.body.find("typed 5"), std::string::npos);
  EXPECT_EQ(r.body.find("secret_metric"), std::string::npos);
  EXPECT_NE(r.body.find("metrics_accumulator_exposition_conflicts_total 2\n"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("metrics_accumulator_series{group=\"default\"} 2\n"), std::string::npos);
  EXPECT_NE(r.body.find("metrics_accumulator_pushes_accepted_total{group=\"default\"} 1\n"),
            std::string::npos);
}

TEST_F(ApiTest, RejectionsAreCountedByReason) {
  (void)Push("default", "bad{\n");
  (void)Push("default", "a 1\n", "wrong");
  (void)Push("ghost", "a 1\n");
  Response r = Call("GET", "/metrics");
  EXPECT_NE(r.body.find("pushes_rejected_total{group=\"default\",reason=\"bad_request\"} 1"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("pushes_rejected_total{group=\"default\",reason=\"unauthorized\"} 1"),
            std::string::npos);
  EXPECT_NE(r.body.find("pushes_rejected_total{group=\"\",reason=\"unknown_group\"} 1"),
            std::string::npos);
}

TEST_F(ApiTest, HealthAndReadiness) {
  for (const char* path :
       {"/health", "/-/healthy", "/api/v1/liveness", "/ready", "/-/ready", "/api/v1/readiness"}) {
    EXPECT_EQ(Call("GET", path).status, 200) << path;
  }
  api_.SetReady(false);
  EXPECT_EQ(Call("GET", "/ready").status, 503);
  EXPECT_EQ(Call("GET", "/health").status, 200);
}

TEST_F(ApiTest, IdempotencyKeyAppliesOnce) {
  const std::vector<std::pair<std::string, std::string>> headers{{"x-api-key", "secret-1"},
                                                                 {"idempotency-key", "req-1"}};
  EXPECT_EQ(Call("POST", "/update/default", "# TYPE c counter\nc 1\n", headers).status, 201);
  Response again = Call("POST", "/update/default", "# TYPE c counter\nc 1\n", headers);
  EXPECT_EQ(again.status, 201);
  EXPECT_NE(Call("GET", "/metrics/default").body.find("\nc 1\n"), std::string::npos);
  // A rejected first answer is replayed too.
  const std::vector<std::pair<std::string, std::string>> bad{{"x-api-key", "secret-1"},
                                                             {"idempotency-key", "req-2"}};
  EXPECT_EQ(Call("POST", "/update/default", "c{ 1\n", bad).status, 400);
  EXPECT_EQ(Call("POST", "/update/default", "# TYPE c counter\nc 1\n", bad).status, 400);
}

// A retry must read exactly what the first copy read: status, content type and body.
TEST_F(ApiTest, ReplayedAnswersAreWhole) {
  const auto same_twice = [&](const std::string& path, const std::string& body,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
    const Response first = Call("POST", path, body, headers);
    Response again = Call("POST", path, body, headers);
    EXPECT_EQ(again.status, first.status) << path << " " << body;
    EXPECT_EQ(again.content_type, first.content_type) << path << " " << body;
    EXPECT_EQ(again.body, first.body) << path << " " << body;
    return again;
  };
  const std::string json = R"({"metrics":[{"name":"j_total","type":"counter","value":1}]})";
  Response ok = same_twice("/api/v1/metrics", json,
                           {{"x-api-key", "secret-1"}, {"idempotency-key", "json-ok"}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.content_type, "application/json");
  EXPECT_EQ(ok.body, "{\"message\":\"success\"}");
  Response json_bad = same_twice("/api/v1/metrics", R"({"metrics":[{"name":"x"}]})",
                                 {{"x-api-key", "secret-1"}, {"idempotency-key", "json-bad"}});
  EXPECT_EQ(json_bad.status, 400);
  EXPECT_EQ(json_bad.content_type, "application/json");
  EXPECT_NE(json_bad.body.find("\"message\""), std::string::npos) << json_bad.body;
  Response text_bad = same_twice("/update/default", "c{ 1\n",
                                 {{"x-api-key", "secret-1"}, {"idempotency-key", "text-bad"}});
  EXPECT_EQ(text_bad.status, 400);
  EXPECT_EQ(text_bad.body.rfind("line 1: ", 0), 0u) << text_bad.body;
  Response pushed = same_twice("/metrics/job/j", "pg_gauge 1\n", {{"idempotency-key", "pgw"}});
  EXPECT_EQ(pushed.status, 401);  // the default group has a key; the refusal replays too
  EXPECT_NE(Call("GET", "/metrics/default").body.find("j_total 1\n"), std::string::npos);
}

TEST_F(ApiTest, RetryIsNotAcknowledgedBeforeTheFirstCopyIsDurable) {
  HeldJournal journal;
  store_.SetJournal(&journal);
  const std::vector<std::pair<std::string, std::string>> headers{{"x-api-key", "secret-1"},
                                                                 {"idempotency-key", "slow-1"}};
  Request request;
  request.method = "POST";
  request.path = "/update/default";
  request.body = "# TYPE r_total counter\nr_total 1\n";
  request.headers = headers;
  Response first = api_.Handle(request);
  Response retry = api_.Handle(request);  // arrives while the first waits for its fsync
  ASSERT_TRUE(first.deferred);
  ASSERT_TRUE(retry.deferred) << "answered " << retry.status << " before the push was durable";
  std::optional<Response> first_answer;
  std::optional<Response> retry_answer;
  first.deferred([&](Response r) { first_answer = std::move(r); });
  retry.deferred([&](Response r) { retry_answer = std::move(r); });
  EXPECT_FALSE(retry_answer.has_value());
  journal.Release(Status::Ok());
  ASSERT_TRUE(first_answer.has_value());
  ASSERT_TRUE(retry_answer.has_value());
  EXPECT_EQ(first_answer->status, 201);
  EXPECT_EQ(retry_answer->status, 201);
  store_.SetJournal(nullptr);
  EXPECT_NE(Call("GET", "/metrics/default").body.find("r_total 1\n"), std::string::npos);
}

TEST_F(ApiTest, PushgatewayViewSurvivesAHistogramNamedPushTimeSeconds) {
  ASSERT_EQ(Push("default",
                 "# TYPE push_time_seconds histogram\npush_time_seconds_bucket{le=\"+Inf\"} 1\n"
                 "push_time_seconds_sum 0.5\npush_time_seconds_count 1\n")
                .status,
            201);
  Response r = Call("GET", "/api/v1/metrics", "", {{"x-api-key", "secret-1"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":[]}");
}

TEST_F(ApiTest, WriterHeaderMakesCountersCumulative) {
  const std::vector<std::pair<std::string, std::string>> headers{
      {"x-api-key", "secret-1"}, {"x-accumulator-writer", "container-1"}};
  for (const char* total : {"5", "8", "10"}) {
    EXPECT_EQ(
        Call("POST", "/update/default", std::string("# TYPE c counter\nc ") + total + "\n", headers)
            .status,
        201);
  }
  EXPECT_NE(Call("GET", "/metrics/default").body.find("\nc 10\n"), std::string::npos);
  EXPECT_EQ(Call("POST", "/update/default", "c 1\n",
                 {{"x-api-key", "secret-1"}, {"x-accumulator-writer", ""}})
                .status,
            400);
}

TEST_F(ApiTest, ReadKeyGuardsTheGroupsScrapesAndItsPartOfMetrics) {
  ASSERT_EQ(Push("private", "private_gauge 7\n", "unused").status, 201);  // key-less pushes
  ASSERT_EQ(Push("second", "open_gauge 1\n", "unused").status, 201);
  Response denied = Call("GET", "/metrics/private");
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(Call("GET", "/metrics/private", "", {{"x-api-key", "wrong"}}).status, 401);
  EXPECT_EQ(Call("GET", "/metrics/private", "", {{"x-api-key", "read-key"}}).status, 200);
  EXPECT_EQ(Call("GET", "/metrics/private", "", {{"authorization", "Bearer read-key"}}).status,
            200);
  EXPECT_EQ(Call("GET", "/metrics/private", "", {{"x-api-key", "admin-key"}}).status, 200);
  // /metrics leaves the guarded group out unless the scrape carries its key.
  const std::string anonymous = Call("GET", "/metrics").body;
  EXPECT_NE(anonymous.find("open_gauge 1"), std::string::npos);
  EXPECT_EQ(anonymous.find("private_gauge"), std::string::npos);
  const std::string with_key =
      Call("GET", "/metrics", "", {{"authorization", "Bearer read-key"}}).body;
  EXPECT_NE(with_key.find("private_gauge 7"), std::string::npos);
  // The key never shows in the configuration page.
  EXPECT_EQ(Call("GET", "/current-configurations").body.find("read-key"), std::string::npos);
}

}  // namespace
}  // namespace accumulator::http
