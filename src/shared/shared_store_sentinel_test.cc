#include <future>
#include <memory>

#include <gtest/gtest.h>

#include "redis/sentinel_group_for_test.h"
#include "shared/shared_store.h"
#include "support/builders.h"

namespace accumulator::shared {
namespace {

using model::MetricType;
namespace t = accumulator::testing;

class SharedStoreFailoverTest : public redis::SentinelGroupTest {
 protected:
  std::unique_ptr<SharedStore> Replica() {
    SharedStateOptions options;
    options.endpoint = Credentials(0);  // the master's password; its address from the sentinel
    options.sentinels = {redis::LocalForTest(sentinel_->Port())};
    options.sentinel_master = "main";
    options.timeout = std::chrono::milliseconds(1000);
    auto replica = std::make_unique<SharedStore>(clock_, options);
    replica->Configure({store::GroupSettings{"g", 1000, std::chrono::seconds(0)}});
    replica->Start();
    EXPECT_TRUE(redis::EventuallyForTest([&] { return replica->Ready(); }));
    return replica;
  }
  static Status Push(SharedStore& store) {
    auto answer = std::make_shared<std::promise<Status>>();
    std::future<Status> answered = answer->get_future();
    const model::Push push =
        t::Push({t::Family("c_total", MetricType::kCounter, {t::Scalar({}, 1)})});
    if (Status s =
            store.ApplyThen("g", push, {}, [answer](const Status& d) { answer->set_value(d); });
        !s.ok()) {
      return s;
    }
    return answered.get();
  }
  static double Value(const SharedStore& store) {
    auto snapshot = store.Snapshot("g");
    if (!snapshot.ok() || snapshot->empty()) return 0;
    return std::get<model::ScalarValue>((*snapshot)[0].series[0].value).value;
  }

  SystemClock clock_;
};

TEST_F(SharedStoreFailoverTest, ReplicasFollowTheNewMasterAndAgreeOnEveryCount) {
  auto a = Replica();
  auto b = Replica();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Push(i % 2 == 0 ? *a : *b).ok());
  // Replicated before the failover, so nothing of it can be lost.
  auto primary = redis::Connection::Open(Credentials(primary_.Port()));
  ASSERT_TRUE(primary.ok());
  auto waited = (*primary)->Run({"WAIT", "1", "2000"}, kSentinelTimeout);
  ASSERT_TRUE(waited.ok() && waited->integer == 1);

  ForceFailover();
  // Pushes are refused (503) until the replicas find the promoted server, then go on.
  int accepted = 0;
  for (int i = 0; i < 50; ++i) {
    SharedStore& replica = i % 2 == 0 ? *a : *b;
    ASSERT_TRUE(redis::EventuallyForTest([&] {
      Status s = Push(replica);
      EXPECT_TRUE(s.ok() || s.code() == StatusCode::kUnavailable) << s.message();
      return s.ok();
    }));
    ++accepted;
  }
  EXPECT_EQ(accepted, 50);
  EXPECT_EQ(Value(*a), 100);
  EXPECT_EQ(Value(*b), 100);
  // The promoted server holds the log now.
  auto promoted = redis::Connection::Open(Credentials(replica_->Port()));
  ASSERT_TRUE(promoted.ok());
  auto length = (*promoted)->Run({"XLEN", a->LogKey("g")}, kSentinelTimeout);
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(length->integer, 100);
}

}  // namespace
}  // namespace accumulator::shared
