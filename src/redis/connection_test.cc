#include "redis/connection.h"

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "redis/redis_server_for_test.h"

namespace accumulator::redis {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kTimeout{5000};

// redis-server takes a moment to listen after it starts.
Result<std::unique_ptr<Connection>> OpenWhenReady(const Endpoint& endpoint,
                                                  const ConnectOptions& options = {}) {
  auto connection = Connection::Open(endpoint, options);
  for (int i = 0;
       i < 200 && !connection.ok() && connection.status().code() == StatusCode::kUnavailable; ++i) {
    std::this_thread::sleep_for(milliseconds(25));
    connection = Connection::Open(endpoint, options);
  }
  return connection;
}

TEST(RedisConnectionTest, CommandsAndBinarySafeValues) {
  RedisServerForTest server;
  ASSERT_TRUE(server.Started());
  auto c = OpenWhenReady(LocalForTest(server.Port()));
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto pong = (*c)->Run({"PING"}, kTimeout);
  ASSERT_TRUE(pong.ok()) << pong.status().message();
  EXPECT_EQ(pong->type, Reply::Type::kStatus);
  EXPECT_EQ(pong->text, "PONG");

  // RESP's own delimiters, a zero byte and more than one read's worth of bytes.
  std::string value("a\0b\r\n$3\r\n", 9);
  value += std::string(100000, 'x');
  ASSERT_TRUE((*c)->Run({"SET", "k", value}, kTimeout).ok());
  auto got = (*c)->Run({"GET", "k"}, kTimeout);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->type, Reply::Type::kString);
  EXPECT_EQ(got->text, value);

  auto missing = (*c)->Run({"GET", "nothing"}, kTimeout);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->type, Reply::Type::kNil);

  // A Redis error is a reply, and the connection stays usable.
  auto wrong = (*c)->Run({"LPUSH", "k", "x"}, kTimeout);
  ASSERT_TRUE(wrong.ok());
  EXPECT_TRUE(wrong->IsError());
  EXPECT_EQ(wrong->text.rfind("WRONGTYPE", 0), 0U) << wrong->text;
  auto array = (*c)->Run({"XADD", "s", "1-1", "f", "v"}, kTimeout);
  ASSERT_TRUE(array.ok());
  auto range = (*c)->Run({"XRANGE", "s", "-", "+"}, kTimeout);
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->type, Reply::Type::kArray);
  ASSERT_EQ(range->elements.size(), 1U);
  EXPECT_EQ(range->elements[0].elements[0].text, "1-1");
  EXPECT_EQ(range->elements[0].elements[1].elements[1].text, "v");
}

TEST(RedisConnectionTest, APipelineAnswersInOrder) {
  RedisServerForTest server;
  auto c = OpenWhenReady(LocalForTest(server.Port()));
  ASSERT_TRUE(c.ok()) << c.status().message();
  std::vector<Command> commands;
  commands.reserve(5000);
  for (int i = 0; i < 5000; ++i) commands.push_back({"INCRBY", "n", std::to_string(i)});
  auto replies = (*c)->Pipeline(commands, kTimeout);
  ASSERT_TRUE(replies.ok()) << replies.status().message();
  ASSERT_EQ(replies->size(), commands.size());
  std::int64_t sum = 0;
  for (int i = 0; i < 5000; ++i) {
    sum += i;
    ASSERT_EQ((*replies)[static_cast<std::size_t>(i)].integer, sum) << i;
  }
}

TEST(RedisConnectionTest, PasswordAndDatabase) {
  RedisServerForTest server({"--requirepass", "s3cr@t"});
  Endpoint endpoint = LocalForTest(server.Port());
  auto refused = OpenWhenReady(endpoint);
  // Without AUTH the connection opens; the first command is refused by Redis.
  ASSERT_TRUE(refused.ok()) << refused.status().message();
  auto noauth = (*refused)->Run({"PING"}, kTimeout);
  ASSERT_TRUE(noauth.ok());
  EXPECT_TRUE(noauth->IsError());

  endpoint.password = "wrong";
  auto wrong = Connection::Open(endpoint);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().message().find("wrong"), std::string::npos);

  endpoint.password = "s3cr@t";
  endpoint.db = 2;
  auto right = Connection::Open(endpoint);
  ASSERT_TRUE(right.ok()) << right.status().message();
  ASSERT_TRUE((*right)->Run({"SET", "in-db-2", "1"}, kTimeout).ok());
  endpoint.db = 0;
  auto db0 = Connection::Open(endpoint);
  ASSERT_TRUE(db0.ok());
  auto exists = (*db0)->Run({"EXISTS", "in-db-2"}, kTimeout);
  ASSERT_TRUE(exists.ok()) << exists.status().message();
  EXPECT_EQ(exists->integer, 0);

  endpoint.db = 99;  // Redis has 16 by default
  auto no_db = Connection::Open(endpoint);
  ASSERT_FALSE(no_db.ok());
  EXPECT_EQ(no_db.status().code(), StatusCode::kFailedPrecondition);
}

TEST(RedisConnectionTest, AnAbsentServerIsUnavailable) {
  auto c = Connection::Open(LocalForTest(FreePortForTest()), {milliseconds(500), ""});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
}

TEST(RedisConnectionTest, ADeadlineClosesTheConnection) {
  RedisServerForTest server;
  auto c = OpenWhenReady(LocalForTest(server.Port()));
  ASSERT_TRUE(c.ok()) << c.status().message();
  const auto start = std::chrono::steady_clock::now();
  auto blocked = (*c)->Run({"BLPOP", "empty", "10"}, milliseconds(200));
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(blocked.status().message().find("timed out"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // A late reply must never be read as the answer to the next command.
  EXPECT_FALSE((*c)->IsOpen());
  EXPECT_FALSE((*c)->Run({"PING"}, kTimeout).ok());
}

TEST(RedisConnectionTest, AServerThatDiesFailsTheCall) {
  RedisServerForTest server;
  auto c = OpenWhenReady(LocalForTest(server.Port()));
  ASSERT_TRUE(c.ok()) << c.status().message();
  server.Stop();
  auto after = (*c)->Run({"PING"}, kTimeout);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().code(), StatusCode::kUnavailable);
}

TEST(RedisConnectionTest, TlsWithTheServersCertificate) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("ma-redis-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string cert = (dir / "cert.pem").string();
  const std::string key = (dir / "key.pem").string();
  ASSERT_EQ(RunForTest({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                        "subjectAltName=IP:127.0.0.1"}),
            0);
  const std::uint16_t tls_port = FreePortForTest();
  RedisServerForTest server({"--tls-port", std::to_string(tls_port), "--tls-cert-file", cert,
                             "--tls-key-file", key, "--tls-auth-clients", "no"});
  Endpoint endpoint = LocalForTest(tls_port);
  endpoint.tls = true;
  auto c = OpenWhenReady(endpoint, {kTimeout, cert});
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_TRUE((*c)->Run({"SET", "over-tls", "yes"}, kTimeout).ok());
  auto got = (*c)->Run({"GET", "over-tls"}, kTimeout);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->text, "yes");

  // Without the CA the certificate is not trusted; the name must match too.
  auto untrusted = Connection::Open(endpoint, {kTimeout, ""});
  EXPECT_FALSE(untrusted.ok());
  endpoint.host = "localhost";
  auto wrong_name = Connection::Open(endpoint, {kTimeout, cert});
  EXPECT_FALSE(wrong_name.ok());
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace accumulator::redis
