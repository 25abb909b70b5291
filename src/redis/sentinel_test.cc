#include "redis/sentinel.h"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "redis/sentinel_group_for_test.h"

namespace accumulator::redis {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kTimeout{2000};

TEST_F(SentinelGroupTest, FindsThePrimaryAndFollowsAFailover) {
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

  ForceFailover();

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

TEST_F(SentinelGroupTest, AnUnknownMasterOrNoSentinelSaysWhy) {
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
