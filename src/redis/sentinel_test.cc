#include "redis/sentinel.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "redis/redis_server_for_test.h"

namespace accumulator::redis {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kTimeout{2000};

// A primary with a password, its replica and one sentinel watching them, all real.
class SentinelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(primary_.Started());
    ASSERT_TRUE(
        EventuallyForTest([&] { return Connection::Open(Credentials(primary_.Port())).ok(); }));
    replica_ = std::make_unique<RedisServerForTest>(
        std::vector<std::string>{"--replicaof", "127.0.0.1", std::to_string(primary_.Port()),
                                 "--requirepass", "pw", "--masterauth", "pw"});
    config_dir_ =
        std::filesystem::temp_directory_path() / ("ma-sentinel-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(config_dir_);
    const auto config = config_dir_ / "sentinel.conf";
    std::ofstream(config) << "sentinel monitor main 127.0.0.1 " << primary_.Port() << " 1\n"
                          << "sentinel auth-pass main pw\n"
                          << "sentinel down-after-milliseconds main 1000\n"
                          << "sentinel failover-timeout main 10000\n";
    sentinel_ = std::make_unique<RedisServerForTest>(std::vector<std::string>{"--sentinel"},
                                                     config.string());
    // The sentinel knows the replica once it has asked the primary (INFO every 10 s at
    // first, sooner once it is connected).
    ASSERT_TRUE(EventuallyForTest([&] {
      auto c = Connection::Open(LocalForTest(sentinel_->Port()));
      if (!c.ok()) return false;
      auto replicas = (*c)->Run({"SENTINEL", "replicas", "main"}, kTimeout);
      if (!replicas.ok() || replicas->type != Reply::Type::kArray) return false;
      // A replica it can promote: flags just "slave" and its link to the primary up.
      for (const Reply& replica : replicas->elements) {
        bool plain = false;
        bool linked = false;
        for (std::size_t i = 0; i + 1 < replica.elements.size(); i += 2) {
          const std::string& key = replica.elements[i].text;
          const std::string& value = replica.elements[i + 1].text;
          plain = plain || (key == "flags" && value == "slave");
          linked = linked || (key == "master-link-status" && value == "ok");
        }
        if (plain && linked) return true;
      }
      return false;
    })) << "the sentinel never saw a replica it could promote";
  }
  void TearDown() override {
    sentinel_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(config_dir_, ignored);
  }

  static Endpoint Credentials(std::uint16_t port) {
    Endpoint e = LocalForTest(port);
    e.password = "pw";
    return e;
  }

  RedisServerForTest primary_{{"--requirepass", "pw"}};
  std::unique_ptr<RedisServerForTest> replica_;
  std::unique_ptr<RedisServerForTest> sentinel_;
  std::filesystem::path config_dir_;
};

TEST_F(SentinelTest, FindsThePrimaryAndFollowsAFailover) {
  // A sentinel that is down is skipped.
  const std::vector<Endpoint> sentinels = {LocalForTest(FreePortForTest()),
                                           LocalForTest(sentinel_->Port())};
  auto found = DiscoverMaster(sentinels, "main", Credentials(0), {kTimeout, ""});
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->endpoint.port, primary_.Port());
  EXPECT_EQ(found->endpoint.password, "pw");
  ASSERT_TRUE(found->connection->Run({"SET", "before-failover", "kept"}, kTimeout).ok());
  // On the replica too, so the failover cannot lose it.
  auto waited = found->connection->Run({"WAIT", "1", "1000"}, kTimeout);
  ASSERT_TRUE(waited.ok()) << waited.status().message();
  ASSERT_EQ(waited->integer, 1);

  auto sentinel = Connection::Open(LocalForTest(sentinel_->Port()));
  ASSERT_TRUE(sentinel.ok());
  auto failover = (*sentinel)->Run({"SENTINEL", "failover", "main"}, kTimeout);
  ASSERT_TRUE(failover.ok() && !failover->IsError()) << failover->text;

  std::uint16_t now_at = 0;
  ASSERT_TRUE(EventuallyForTest([&] {
    auto after = DiscoverMaster(sentinels, "main", Credentials(0), {kTimeout, ""});
    if (!after.ok()) return false;
    now_at = after->endpoint.port;
    return now_at == replica_->Port();
  })) << "still at "
      << now_at;
  auto promoted = DiscoverMaster(sentinels, "main", Credentials(0), {kTimeout, ""});
  ASSERT_TRUE(promoted.ok()) << promoted.status().message();
  auto kept = promoted->connection->Run({"GET", "before-failover"}, kTimeout);
  ASSERT_TRUE(kept.ok()) << kept.status().message();
  EXPECT_EQ(kept->text, "kept");
  auto writable = promoted->connection->Run({"SET", "after-failover", "1"}, kTimeout);
  ASSERT_TRUE(writable.ok()) << writable.status().message();
  EXPECT_FALSE(writable->IsError()) << writable->text;
}

TEST_F(SentinelTest, AnUnknownMasterOrNoSentinelSaysWhy) {
  auto unknown = DiscoverMaster({LocalForTest(sentinel_->Port())}, "other", Credentials(0));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(unknown.status().message().find("\"other\""), std::string::npos)
      << unknown.status().message();

  Endpoint wrong_password = Credentials(0);
  wrong_password.password = "nope";
  auto refused = DiscoverMaster({LocalForTest(sentinel_->Port())}, "main", wrong_password);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("refused the credentials"), std::string::npos)
      << refused.status().message();
  EXPECT_EQ(refused.status().message().find("nope"), std::string::npos);

  EXPECT_EQ(DiscoverMaster({}, "main", Credentials(0)).status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace accumulator::redis
