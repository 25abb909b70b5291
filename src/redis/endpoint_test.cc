#include "redis/endpoint.h"

#include <gtest/gtest.h>

namespace accumulator::redis {
namespace {

TEST(RedisUrlTest, HostPortAndDefaults) {
  auto e = ParseRedisUrl("redis://cache.internal");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->host, "cache.internal");
  EXPECT_EQ(e->port, 6379);
  EXPECT_EQ(e->db, 0);
  EXPECT_FALSE(e->tls);
  EXPECT_TRUE(e->user.empty());
  EXPECT_TRUE(e->password.empty());

  e = ParseRedisUrl("rediss://10.0.0.5:6380/3");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->host, "10.0.0.5");
  EXPECT_EQ(e->port, 6380);
  EXPECT_EQ(e->db, 3);
  EXPECT_TRUE(e->tls);

  e = ParseRedisUrl("redis://[::1]:7000");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 7000);
}

TEST(RedisUrlTest, Credentials) {
  auto e = ParseRedisUrl("redis://app:s3cr%40t@h:1");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->user, "app");
  EXPECT_EQ(e->password, "s3cr@t");
  // A password alone, with or without the colon; an '@' in it need not be escaped.
  e = ParseRedisUrl("redis://:p@ss@h");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->user, "");
  EXPECT_EQ(e->password, "p@ss");
  e = ParseRedisUrl("redis://only-password@h");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->user, "");
  EXPECT_EQ(e->password, "only-password");
}

TEST(RedisUrlTest, ErrorsSayWhatIsWrongAndNeverShowThePassword) {
  const auto message = [](std::string_view url) {
    auto e = ParseRedisUrl(url);
    EXPECT_FALSE(e.ok()) << url;
    return e.ok() ? std::string() : e.status().message();
  };
  EXPECT_NE(message("http://h").find("redis://"), std::string::npos);
  EXPECT_NE(message("redis://").find("no host"), std::string::npos);
  EXPECT_NE(message("redis://h:").find("empty port"), std::string::npos);
  EXPECT_NE(message("redis://h:99999").find("65535"), std::string::npos);
  EXPECT_NE(message("redis://h:0").find("65535"), std::string::npos);
  EXPECT_NE(message("redis://h/x").find("database"), std::string::npos);
  EXPECT_NE(message("redis://[::1").find(']'), std::string::npos);
  const std::string bad_escape = message("redis://u:hunter2%zz@h");
  EXPECT_NE(bad_escape.find("%-escape"), std::string::npos);
  EXPECT_EQ(bad_escape.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace accumulator::redis
