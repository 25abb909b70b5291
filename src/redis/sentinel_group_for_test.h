#pragma once

// A primary with a password ("pw"), its replica and one sentinel watching them as
// "main", all real redis-server processes on 127.0.0.1, for tests of failover.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "redis/connection.h"
#include "redis/redis_server_for_test.h"

namespace accumulator::redis {

class SentinelGroupTest : public ::testing::Test {
 protected:
  static constexpr std::chrono::milliseconds kSentinelTimeout{2000};

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
      auto replicas = (*c)->Run({"SENTINEL", "replicas", "main"}, kSentinelTimeout);
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
  // Asks the sentinel to promote the replica.
  void ForceFailover() {
    auto sentinel = Connection::Open(LocalForTest(sentinel_->Port()));
    ASSERT_TRUE(sentinel.ok());
    auto failover = (*sentinel)->Run({"SENTINEL", "failover", "main"}, kSentinelTimeout);
    ASSERT_TRUE(failover.ok() && !failover->IsError()) << failover->text;
  }

  RedisServerForTest primary_{{"--requirepass", "pw"}};
  std::unique_ptr<RedisServerForTest> replica_;
  std::unique_ptr<RedisServerForTest> sentinel_;
  std::filesystem::path config_dir_;
};

}  // namespace accumulator::redis
