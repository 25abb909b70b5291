#include "redis/cluster.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "redis/redis_server_for_test.h"

namespace accumulator::redis {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kTimeout{5000};

Reply MustRun(Connection& c, const Command& command) {
  auto reply = c.Run(command, kTimeout);
  EXPECT_TRUE(reply.ok()) << reply.status().message();
  return reply.ok() ? *reply : Reply{};
}

std::unique_ptr<Connection> MustOpen(std::uint16_t port) {
  auto c = Connection::Open(LocalForTest(port));
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? std::move(*c) : nullptr;
}

TEST(KeySlotTest, KnownValuesAndHashTags) {
  EXPECT_EQ(KeySlot("123456789"), 0x31C3 % 16384);  // CRC16/XMODEM's check value
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("foo{}{bar}"), KeySlot("foo{}{bar}"));  // an empty tag: the whole key
  EXPECT_NE(KeySlot("foo{}{bar}"), KeySlot("bar"));
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), KeySlot("{bar"));
  EXPECT_EQ(KeySlot("foo{bar}{zap}"), KeySlot("bar"));
}

// Three masters, made a cluster by redis-cli --cluster create, as SPEC 7's tests ask.
class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> create = {"redis-cli", "--cluster", "create"};
    for (int i = 0; i < 3; ++i) {
      nodes_.push_back(std::make_unique<RedisServerForTest>(
          std::vector<std::string>{"--cluster-enabled", "yes", "--cluster-config-file",
                                   "nodes.conf", "--cluster-node-timeout", "2000"},
          "", FreeClusterPortForTest()));
    }
    for (const auto& node : nodes_) {
      ASSERT_TRUE(
          EventuallyForTest([&] { return Connection::Open(LocalForTest(node->Port())).ok(); }));
      create.push_back("127.0.0.1:" + std::to_string(node->Port()));
    }
    create.emplace_back("--cluster-yes");
    ASSERT_EQ(RunForTest(create), 0);
    for (const auto& node : nodes_) {
      ASSERT_TRUE(EventuallyForTest([&] {
        auto c = Connection::Open(LocalForTest(node->Port()));
        if (!c.ok()) return false;
        auto info = (*c)->Run({"CLUSTER", "INFO"}, kTimeout);
        return info.ok() && info->text.find("cluster_state:ok") != std::string::npos;
      })) << "the cluster never became ok";
    }
  }

  // The node serving `slot` now, by asking the first node.
  std::size_t OwnerOf(std::uint16_t slot) {
    auto c = MustOpen(nodes_[0]->Port());
    const Reply slots = MustRun(*c, {"CLUSTER", "SLOTS"});
    for (const Reply& range : slots.elements) {
      if (range.elements[0].integer <= slot && slot <= range.elements[1].integer) {
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
          if (range.elements[2].elements[1].integer == nodes_[i]->Port()) return i;
        }
      }
    }
    ADD_FAILURE() << "no owner of slot " << slot;
    return 0;
  }

  std::vector<std::unique_ptr<RedisServerForTest>> nodes_;
};

TEST_F(ClusterTest, KeySlotAgreesWithRedis) {
  auto c = MustOpen(nodes_[0]->Port());
  for (const std::string key :
       {"", "a", "{g}:log", "{}", "{", "}", "a{b}c{d}", "x{}y", "\xff\x01"}) {
    EXPECT_EQ(MustRun(*c, {"CLUSTER", "KEYSLOT", key}).integer, KeySlot(key)) << key;
  }
  for (int i = 0; i < 300; ++i) {
    const std::string key = "{ma:group-" + std::to_string(i) + "}:log";
    EXPECT_EQ(MustRun(*c, {"CLUSTER", "KEYSLOT", key}).integer, KeySlot(key)) << key;
  }
}

TEST_F(ClusterTest, EachPipelineGoesToItsSlotsMaster) {
  auto client = ClusterClient::Open(LocalForTest(nodes_[1]->Port()), {kTimeout, ""});
  ASSERT_TRUE(client.ok()) << client.status().message();
  for (int g = 0; g < 60; ++g) {
    const std::string tag = "{ma:g" + std::to_string(g) + "}";
    const std::vector<Command> commands = {{"SET", tag + ":a", "1"}, {"SET", tag + ":b", "2"}};
    auto replies = (*client)->Pipeline(tag, commands, kTimeout);
    ASSERT_TRUE(replies.ok()) << replies.status().message();
    for (const Reply& r : *replies) EXPECT_FALSE(r.IsError()) << r.text;
  }
  // Every key is on the master of its slot, and every master got some.
  std::int64_t total = 0;
  for (const auto& node : nodes_) {
    auto c = MustOpen(node->Port());
    const std::int64_t here = MustRun(*c, {"DBSIZE"}).integer;
    EXPECT_GT(here, 0);
    total += here;
  }
  EXPECT_EQ(total, 120);
  for (int g = 0; g < 60; ++g) {
    const std::string tag = "{ma:g" + std::to_string(g) + "}";
    auto c = MustOpen(nodes_[OwnerOf(KeySlot(tag))]->Port());
    EXPECT_EQ(MustRun(*c, {"GET", tag + ":b"}).text, "2") << tag;
  }
}

TEST_F(ClusterTest, FollowsASlotThatMovesAndOneThatIsMigrating) {
  auto client = ClusterClient::Open(LocalForTest(nodes_[0]->Port()), {kTimeout, ""});
  ASSERT_TRUE(client.ok()) << client.status().message();
  const std::string tag = "{ma:moving}";
  const std::uint16_t slot = KeySlot(tag);
  ASSERT_TRUE(
      (*client)->Pipeline(tag, std::vector<Command>{{"SET", tag + ":old", "1"}}, kTimeout).ok());
  const std::size_t from = OwnerOf(slot);
  const std::size_t to = (from + 1) % nodes_.size();
  auto source = MustOpen(nodes_[from]->Port());
  auto target = MustOpen(nodes_[to]->Port());
  const std::string source_id = MustRun(*source, {"CLUSTER", "MYID"}).text;
  const std::string target_id = MustRun(*target, {"CLUSTER", "MYID"}).text;

  // Migrating: the key that moved already is asked for at the target (ASK).
  MustRun(*target, {"CLUSTER", "SETSLOT", std::to_string(slot), "IMPORTING", source_id});
  MustRun(*source, {"CLUSTER", "SETSLOT", std::to_string(slot), "MIGRATING", target_id});
  MustRun(*source,
          {"MIGRATE", "127.0.0.1", std::to_string(nodes_[to]->Port()), tag + ":old", "0", "5000"});
  auto asked = (*client)->Pipeline(tag, std::vector<Command>{{"INCR", tag + ":old"}}, kTimeout);
  ASSERT_TRUE(asked.ok()) << asked.status().message();
  EXPECT_EQ((*asked)[0].integer, 2) << (*asked)[0].text;

  // Moved: the slot belongs to the target now (MOVED), and the map is read again.
  for (const auto& node : nodes_) {
    auto c = MustOpen(node->Port());
    MustRun(*c, {"CLUSTER", "SETSLOT", std::to_string(slot), "NODE", target_id});
  }
  auto moved = (*client)->Pipeline(
      tag, std::vector<Command>{{"INCR", tag + ":old"}, {"SET", tag + ":new", "x"}}, kTimeout);
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  EXPECT_EQ((*moved)[0].integer, 3) << (*moved)[0].text;
  EXPECT_EQ(MustRun(*target, {"GET", tag + ":new"}).text, "x");
  EXPECT_EQ(MustRun(*source, {"EXISTS", tag + ":new"}).type, Reply::Type::kError);  // MOVED
}

TEST(ClusterClientTest, ASeedThatIsDownIsUnavailable) {
  auto client = ClusterClient::Open(LocalForTest(FreePortForTest()), {milliseconds(500), ""});
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace accumulator::redis
