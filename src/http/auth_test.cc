#include "http/auth.h"

#include <gtest/gtest.h>

#include "config/config_loader.h"

namespace accumulator::http {
namespace {

config::Config Load(std::string_view text) {
  auto c = config::ParseConfig(text, "test.yml");
  EXPECT_TRUE(c.ok()) << c.status().message();
  return std::move(*c);
}

Request With(std::vector<std::pair<std::string, std::string>> headers) {
  Request r;
  r.headers = std::move(headers);
  return r;
}

TEST(KeysEqualTest, ComparesWholeKeys) {
  EXPECT_TRUE(KeysEqual("abc", "abc"));
  EXPECT_FALSE(KeysEqual("abc", "abd"));
  EXPECT_FALSE(KeysEqual("abc", "abcd"));
  EXPECT_FALSE(KeysEqual("", "a"));
}

TEST(PresentedKeyTest, HeaderThenBearerThenBasicAuthPassword) {
  EXPECT_EQ(**PresentedKey(With({{"x-api-key", "k1"}, {"authorization", "Bearer k2"}})), "k1");
  EXPECT_EQ(**PresentedKey(With({{"authorization", "Bearer k2"}})), "k2");
  // "user:lambda-key" in base64: the client libraries' basic_auth handlers.
  EXPECT_EQ(**PresentedKey(With({{"authorization", "Basic dXNlcjpsYW1iZGEta2V5"}})), "lambda-key");
  EXPECT_FALSE(PresentedKey(With({}))->has_value());
  EXPECT_EQ(PresentedKey(With({{"authorization", "Basic !!"}})).status().code(),
            StatusCode::kUnauthenticated);
}

constexpr std::string_view kConfig = R"(global:
  adminApiKey: admin
metricGroups:
  default: {name: default}
  keyed: {name: keyed, apiKey: k, readApiKey: r}
)";

TEST(AuthTest, GroupKeyAndAdminKey) {
  const config::Config config = Load(kConfig);
  const config::GroupConfig& keyed = *config.FindGroup("keyed");
  EXPECT_TRUE(CheckGroupKey(With({{"x-api-key", "k"}}), keyed).ok());
  EXPECT_EQ(CheckGroupKey(With({}), keyed).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(CheckGroupKey(With({{"x-api-key", "admin"}}), keyed).code(),
            StatusCode::kUnauthenticated);
  EXPECT_TRUE(CheckGroupKey(With({{"x-api-key", "admin"}}), keyed, &config).ok());
  EXPECT_TRUE(CheckGroupKey(With({}), *config.FindGroup("default")).ok());
  EXPECT_TRUE(CheckAdminKey(With({{"x-api-key", "admin"}}), config).ok());
  EXPECT_EQ(CheckAdminKey(With({{"x-api-key", "k"}}), config).code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(MayRead(With({{"x-api-key", "r"}}), keyed, config));
  EXPECT_TRUE(MayRead(With({{"authorization", "Bearer admin"}}), keyed, config));
  EXPECT_FALSE(MayRead(With({}), keyed, config));
}

TEST(AuthTest, PushesGoToTheGroupOfTheirKeyElseTheKeylessDefault) {
  const config::Config config = Load(kConfig);
  EXPECT_EQ((*SelectGroupByKey(With({{"x-api-key", "k"}}), config))->name, "keyed");
  EXPECT_EQ((*SelectGroupByKey(With({}), config))->name, "default");
  // A key no group has is refused, not sent to the open default group.
  const auto unknown = SelectGroupByKey(With({{"x-api-key", "typo"}}), config);
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(unknown.status().message(), "no metric group has this API key");
  const config::Config keyed_default =
      Load("global: {defaultGroup: keyed}\nmetricGroups:\n  keyed: {name: keyed, apiKey: k}\n");
  EXPECT_EQ(SelectGroupByKey(With({}), keyed_default).status().code(),
            StatusCode::kUnauthenticated);
  const config::Config no_default = Load("metricGroups:\n  other: {name: other}\n");
  EXPECT_EQ(SelectGroupByKey(With({}), no_default).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace accumulator::http
