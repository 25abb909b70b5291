#include "config/config_loader.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

namespace accumulator::config {
namespace {

constexpr std::string_view kUpstreamSample = R"(---

global:
  restartCronExpression: "0 0 0 ? * *"
  hostAddress: localhost:8080

metricGroups:
  default:
    displayMetrics: true
    name: default
    maxTimeSeries: 2500
    apiKey: 0d98f65f-074b-4d56-b834-576e15a3bfa5
    restartCronExpression: "0 0 0 ? * *"
    serviceDiscoveryLabels:
      env: "dev"
      version: "2.3"
)";

TEST(ConfigLoaderTest, AcceptsTheUpstreamSampleUnchanged) {
  auto config = ParseConfig(kUpstreamSample, "metrics-accumulator.yml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->groups.size(), 1u);
  const GroupConfig& g = config->groups[0];
  EXPECT_EQ(g.name, "default");
  EXPECT_EQ(g.api_key, "0d98f65f-074b-4d56-b834-576e15a3bfa5");
  EXPECT_EQ(g.max_time_series, 2500u);
  EXPECT_TRUE(g.display_metrics);
  ASSERT_TRUE(g.restart_cron.has_value());
  EXPECT_EQ(g.restart_cron->expression(), "0 0 0 ? * *");
  EXPECT_EQ(g.series_ttl, std::chrono::hours(1));
  ASSERT_EQ(g.service_discovery_labels.size(), 2u);
  EXPECT_EQ(g.service_discovery_labels[1], (std::pair<std::string, std::string>{"version", "2.3"}));
  EXPECT_EQ(config->host_address, "localhost:8080");
}

TEST(ConfigLoaderTest, AcceptsTheUpstreamReadmeExampleWithASharedKey) {
  auto config = ParseConfig(R"(
global:
  restartCronExpression: "0 0 0 ? * *"
  hostAddress: localhost:8080
metricGroups:
  default:
    displayMetrics: true
    name: default
    maxTimeSeries: 2500
    apiKey: 0d98f65f-074b-4d56-b834-576e15a3bfa5
    restartCronExpression: "0 0 0 ? * *"
  metricGroup1:
    displayMetrics: true
    name: metric-group
    maxTimeSeries: 100
    apiKey: 0d98f65f-074b-4d56-b834-576e15a3bfa5
    restartCronExpression: "0 0 0 ? * *"
)",
                            "readme.yml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->groups[1].name, "metric-group");
}

TEST(ConfigLoaderTest, EmbeddedDefaultMatchesTheSpec) {
  auto config = ParseConfig(EmbeddedDefaultYaml(), "embedded");
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->groups.size(), 1u);
  EXPECT_EQ(config->groups[0].name, "default");
  EXPECT_FALSE(config->groups[0].api_key.has_value());
  EXPECT_TRUE(config->groups[0].display_metrics);
  EXPECT_EQ(config->groups[0].max_time_series, 10000u);
  EXPECT_EQ(config->groups[0].series_ttl, std::chrono::hours(1));
}

TEST(ConfigLoaderTest, NewKeysAreRead) {
  auto config = ParseConfig(R"(
global:
  seriesTtl: 10m
  defaultGroup: lambda
  adminApiKey: admin-secret
  idempotencyWindow: 5m
  persistence: {dir: /data, fsync: interval, fsyncInterval: 250ms, snapshotInterval: 2m}
  jsonRecordLabels: [pid]
metricGroups:
  lambda: {seriesTtl: 90s}
  other: {name: other, seriesTtl: 0}
)",
                            "new.yml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->default_group, "lambda");
  EXPECT_EQ(config->admin_api_key, "admin-secret");
  EXPECT_EQ(config->idempotency_window, std::chrono::minutes(5));
  EXPECT_EQ(config->persistence.dir, "/data");
  EXPECT_EQ(config->persistence.fsync, FsyncMode::kInterval);
  EXPECT_EQ(config->persistence.fsync_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(config->persistence.snapshot_interval, std::chrono::minutes(2));
  EXPECT_TRUE(config->json_pid_label);
  EXPECT_FALSE(config->json_hostname_label);
  EXPECT_EQ(config->groups[0].name, "lambda");  // falls back to the map key
  EXPECT_EQ(config->groups[0].series_ttl, std::chrono::seconds(90));
  EXPECT_EQ(config->groups[1].series_ttl, std::chrono::seconds(0));
}

TEST(ConfigLoaderTest, RefusesBadPersistenceSettings) {
  auto config = ParseConfig(R"(
global:
  persistence: {fsync: sometimes, fsyncInterval: 0ms, snapshotInterval: soon}
)",
                            "p.yml");
  ASSERT_FALSE(config.ok());
  const std::string& message = config.status().message();
  EXPECT_NE(message.find("global.persistence.fsync: must be always, interval or never"),
            std::string::npos);
  EXPECT_NE(message.find("global.persistence.fsyncInterval"), std::string::npos);
  EXPECT_NE(message.find("global.persistence.snapshotInterval"), std::string::npos);
}

TEST(ConfigLoaderTest, KeysComeFromAKeyDirectory) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ma-keys-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "admin-api-key") << "admin-from-file\n";
  std::ofstream(dir / "lambda") << "lambda-key";
  std::ofstream(dir / "lambda.read") << "lambda-read-key\n";
  auto config = ParseConfig("metricGroups:\n  lambda: {}\n  open: {}\n", "k.yml");
  ASSERT_TRUE(config.ok());
  ASSERT_TRUE(ApplyKeyDirectory(dir.string(), *config).ok());
  EXPECT_EQ(config->admin_api_key, "admin-from-file");
  EXPECT_EQ(config->groups[0].api_key, "lambda-key");
  EXPECT_EQ(config->groups[0].read_api_key, "lambda-read-key");
  EXPECT_FALSE(config->groups[1].api_key);  // no file: stays key-less
  std::ofstream(dir / "open") << "";
  EXPECT_EQ(ApplyKeyDirectory(dir.string(), *config).code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(ApplyKeyDirectory((dir / "missing").string(), *config).ok());
  std::filesystem::remove_all(dir);
}

TEST(ConfigLoaderTest, RedisSettingsAreRead) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): the test runs on one thread
  ::setenv("MA_TEST_REDIS_PASSWORD", "pw-from-env", 1);
  auto config = ParseConfig(R"(
global:
  redis:
    url: redis://redis:6379/2
    mode: sentinel
    sentinels: [s1:26379, s2:26379]
    sentinelMaster: mymaster
    keyPrefix: release-a
    caFile: /etc/ca.pem
    password: ${MA_TEST_REDIS_PASSWORD}
metricGroups:
  a: {}
)",
                            "redis.yml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->redis.url, "redis://redis:6379/2");
  EXPECT_EQ(config->redis.mode, RedisMode::kSentinel);
  EXPECT_EQ(config->redis.sentinels, (std::vector<std::string>{"s1:26379", "s2:26379"}));
  EXPECT_EQ(config->redis.sentinel_master, "mymaster");
  EXPECT_EQ(config->redis.key_prefix, "release-a");
  EXPECT_EQ(config->redis.ca_file, "/etc/ca.pem");
  EXPECT_EQ(config->redis.password, "pw-from-env");
  // The key directory's file wins over the configured password.
  const auto dir = std::filesystem::temp_directory_path() / "ma-redis-key-dir-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "redis-password") << "pw-from-file\n";
  ASSERT_TRUE(ApplyKeyDirectory(dir.string(), *config).ok());
  EXPECT_EQ(config->redis.password, "pw-from-file");
  std::filesystem::remove_all(dir);
}

TEST(ConfigLoaderTest, BadRedisSettingsAreNamed) {
  auto config = ParseConfig(R"(
global:
  redis:
    url: redis://r:6379
    mode: cluster-ish
    keyPrefix: "a{b}"
    colour: blue
metricGroups:
  a: {}
)",
                            "bad.yml");
  ASSERT_FALSE(config.ok());
  const std::string& m = config.status().message();
  EXPECT_NE(m.find("global.redis.mode"), std::string::npos) << m;
  EXPECT_NE(m.find("global.redis.keyPrefix"), std::string::npos) << m;
  EXPECT_NE(m.find("colour"), std::string::npos) << m;
  auto no_sentinels = ParseConfig(
      "global:\n  redis: {url: \"redis://r\", mode: sentinel}\nmetricGroups:\n  a: {}\n", "s.yml");
  ASSERT_FALSE(no_sentinels.ok());
  EXPECT_NE(no_sentinels.status().message().find("needs sentinels and sentinelMaster"),
            std::string::npos);
}

TEST(ConfigLoaderTest, KeysCanComeFromEnvironmentVariables) {
  ::setenv("MA_TEST_GROUP_KEY", "from-env", 1);  // NOLINT(concurrency-mt-unsafe): one thread
  ::unsetenv("MA_TEST_MISSING_KEY");             // NOLINT(concurrency-mt-unsafe)
  auto config = ParseConfig(
      "global:\n  adminApiKey: ${MA_TEST_GROUP_KEY}\nmetricGroups:\n"
      "  a: {apiKey: \"${MA_TEST_GROUP_KEY}\", readApiKey: literal-read}\n",
      "env.yml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->admin_api_key, "from-env");
  EXPECT_EQ(config->groups[0].api_key, "from-env");
  EXPECT_EQ(config->groups[0].read_api_key, "literal-read");
  auto missing = ParseConfig("metricGroups:\n  a: {apiKey: \"${MA_TEST_MISSING_KEY}\"}\n", "m.yml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("environment variable MA_TEST_MISSING_KEY is not set"),
            std::string::npos);
}

TEST(ConfigLoaderTest, PushRateLimitsHaveAGlobalDefault) {
  auto config = ParseConfig(
      "global:\n  pushRateLimit: 50\nmetricGroups:\n  a: {}\n  b: {pushRateLimit: 0.5}\n", "r.yml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->groups[0].push_rate_limit, 50);
  EXPECT_EQ(config->groups[1].push_rate_limit, 0.5);
  auto bad = ParseConfig("metricGroups:\n  a: {pushRateLimit: -1}\n", "r.yml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("pushRateLimit"), std::string::npos);
}

TEST(ConfigLoaderTest, ListsEveryProblemAtOnceWithLines) {
  auto config = ParseConfig(R"(global:
  hostAdress: x
  seriesTtl: soon
metricGroups:
  a:
    name: "bad name"
    maxTimeSeries: -3
    displayMetrics: maybe
    restartCronExpression: "0 0 *"
)",
                            "bad.yml");
  ASSERT_FALSE(config.ok());
  const std::string& m = config.status().message();
  EXPECT_EQ(config.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(m.find("bad.yml:2: global.hostAdress: unknown key"), std::string::npos) << m;
  EXPECT_NE(m.find("bad.yml:3: global.seriesTtl"), std::string::npos) << m;
  EXPECT_NE(m.find("metricGroups.a.name"), std::string::npos) << m;
  EXPECT_NE(m.find("metricGroups.a.maxTimeSeries"), std::string::npos) << m;
  EXPECT_NE(m.find("metricGroups.a.displayMetrics"), std::string::npos) << m;
  EXPECT_NE(m.find("metricGroups.a.restartCronExpression"), std::string::npos) << m;
}

TEST(ConfigLoaderTest, RejectsBrokenYamlDuplicateNamesAndMissingDefaultGroup) {
  EXPECT_FALSE(ParseConfig("global: [", "x.yml").ok());
  EXPECT_FALSE(ParseConfig("metricGroups: {a: {name: x}, b: {name: x}}", "x.yml").ok());
  EXPECT_FALSE(ParseConfig("global: {defaultGroup: nope}\nmetricGroups: {a: {}}", "x.yml").ok());
  EXPECT_FALSE(ParseConfig("", "x.yml").ok());
  EXPECT_FALSE(ParseConfig("metricGroups: {a: {apiKey: ''}}", "x.yml").ok());
}

TEST(ConfigLoaderTest, RedactsEveryKey) {
  auto config = ParseConfig(R"(global:
  adminApiKey: "admin-123"   # keep me secret
metricGroups:
  a: {name: a, apiKey: flow-key-456}
  b:
    apiKey: block-key-789
)",
                            "x.yml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  const std::string text = config->RedactedText();
  EXPECT_EQ(text.find("admin-123"), std::string::npos) << text;
  EXPECT_EQ(text.find("flow-key-456"), std::string::npos) << text;
  EXPECT_EQ(text.find("block-key-789"), std::string::npos) << text;
  EXPECT_NE(text.find("apiKey: <redacted>"), std::string::npos) << text;
}

TEST(ConfigLoaderTest, ParsesDurations) {
  EXPECT_EQ(ParseDuration("90"), std::chrono::seconds(90));
  EXPECT_EQ(ParseDuration("15m"), std::chrono::minutes(15));
  EXPECT_EQ(ParseDuration("1h30m"), std::chrono::seconds(5400));
  EXPECT_EQ(ParseDuration("2d"), std::chrono::hours(48));
  EXPECT_EQ(ParseDuration("2000ms"), std::chrono::seconds(2));
  EXPECT_FALSE(ParseDuration("1500ms"));
  EXPECT_FALSE(ParseDuration("1h30"));
  EXPECT_FALSE(ParseDuration("-5s"));
  EXPECT_FALSE(ParseDuration("5x"));
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_FALSE(ParseDuration("101y"));                  // over a century
  EXPECT_FALSE(ParseDuration("9223372036854775807w"));  // would overflow
  EXPECT_TRUE(ParseDuration("100y"));
}

}  // namespace
}  // namespace accumulator::config
