#include "persist/wal.h"

#include <barrier>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "persist/files.h"
#include "persist/framing.h"

namespace accumulator::persist {
namespace {

class WalTest : public ::testing::Test {
 protected:
  WalTest() {
    char pattern[] = "/tmp/ma-wal-test-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    options_.dir = dir_;
  }
  ~WalTest() override { std::filesystem::remove_all(dir_); }

  // Every payload in the segments on disk, in order.
  std::vector<std::string> ReadBack() {
    std::vector<std::string> out;
    const auto segments = *ListSegments(dir_);
    for (const SegmentFile& segment : segments) {
      std::string data = *ReadWholeFile(segment.path);
      EXPECT_TRUE(data.starts_with(kSegmentMagic));
      EXPECT_EQ(ReadU64(data.data() + 8), segment.first_sequence);
      FrameReader reader(std::string_view(data).substr(kSegmentHeaderBytes));
      std::string_view payload;
      while (reader.Next(payload) == FrameReader::Outcome::kFrame) out.emplace_back(payload);
    }
    return out;
  }

  std::string dir_;
  WalOptions options_;
};

TEST_F(WalTest, AppendsGetConsecutiveSequenceNumbersAndReachTheFile) {
  auto wal = WriteAheadLog::Open(options_, 5);
  ASSERT_TRUE(wal.ok()) << wal.status().message();
  EXPECT_EQ(*(*wal)->Append("a"), 5u);
  EXPECT_EQ(*(*wal)->Append("b"), 6u);
  ASSERT_TRUE((*wal)->WaitDurable(6).ok());
  EXPECT_EQ(ReadBack(), (std::vector<std::string>{"a", "b"}));
  const WalStats stats = (*wal)->Stats();
  EXPECT_EQ(stats.records, 2u);
  EXPECT_GE(stats.fsyncs, 1u);
  EXPECT_TRUE(stats.healthy);
}

TEST_F(WalTest, RotationStartsANewSegmentAndOldOnesCanBeRemoved) {
  auto wal = WriteAheadLog::Open(options_, 1);
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->Append("one").ok());
  auto second = (*wal)->Rotate();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 2u);
  ASSERT_TRUE((*wal)->Append("two").ok());
  ASSERT_TRUE((*wal)->Rotate().ok());
  EXPECT_EQ(ListSegments(dir_)->size(), 3u);
  EXPECT_EQ(ReadBack(), (std::vector<std::string>{"one", "two"}));
  (*wal)->RemoveSegmentsBefore(2);
  const auto left = *ListSegments(dir_);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].first_sequence, 2u);
  EXPECT_EQ(ReadBack(), (std::vector<std::string>{"two"}));
}

TEST_F(WalTest, FullSegmentsRollOver) {
  options_.segment_bytes = 100;
  auto wal = WriteAheadLog::Open(options_, 1);
  ASSERT_TRUE(wal.ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*wal)->Append(std::string(30, 'x')).ok());
  EXPECT_GT(ListSegments(dir_)->size(), 5u);
  EXPECT_EQ(ReadBack().size(), 20u);
}

TEST_F(WalTest, ConcurrentWaitersShareFsyncs) {
  auto wal = WriteAheadLog::Open(options_, 1);
  ASSERT_TRUE(wal.ok());
  constexpr int kThreads = 8;
  constexpr int kRounds = 20;
  const std::uint64_t fsyncs_before = (*wal)->Stats().fsyncs;
  // Each round, every thread appends and only then do all wait: the first fsync covers
  // all eight records, so a log that shares fsyncs makes one per round, and a log that
  // fsyncs each record makes eight.
  std::barrier appended(kThreads);
  std::barrier waited(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int round = 0; round < kRounds; ++round) {
        auto sequence = (*wal)->Append("record");
        EXPECT_TRUE(sequence.ok());
        appended.arrive_and_wait();
        EXPECT_TRUE(sequence.ok() && (*wal)->WaitDurable(*sequence).ok());
        waited.arrive_and_wait();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ReadBack().size(), static_cast<std::size_t>(kThreads * kRounds));
  EXPECT_EQ((*wal)->Stats().fsyncs - fsyncs_before, static_cast<std::uint64_t>(kRounds));
}

// Answers from WhenDurable, collected from whichever thread gives them.
struct Answers {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::uint64_t, Status>> got;

  std::function<void(Status)> For(std::uint64_t sequence) {
    return [this, sequence](Status s) {
      std::lock_guard lock(mu);
      got.emplace_back(sequence, std::move(s));
      cv.notify_all();
    };
  }
  // Bounded, so a lost answer fails the test instead of hanging it.
  bool WaitFor(std::size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(30), [&] { return got.size() >= n; });
  }
};

TEST_F(WalTest, WhenDurableAnswersEveryWaiterAfterOneSharedFsync) {
  auto wal = WriteAheadLog::Open(options_, 1);
  ASSERT_TRUE(wal.ok());
  constexpr std::uint64_t kRecords = 100;
  for (std::uint64_t i = 1; i <= kRecords; ++i) ASSERT_EQ(*(*wal)->Append("r"), i);
  Answers answers;
  for (std::uint64_t i = 1; i <= kRecords; ++i) (*wal)->WhenDurable(i, answers.For(i));
  ASSERT_TRUE(answers.WaitFor(kRecords));
  std::set<std::uint64_t> answered;
  for (const auto& [sequence, status] : answers.got) {
    EXPECT_TRUE(status.ok()) << status.message();
    answered.insert(sequence);
  }
  EXPECT_EQ(answered.size(), kRecords);  // each exactly once
  EXPECT_EQ(answers.got.size(), kRecords);
  // Everything was appended before anyone waited, so the first fsync covered all.
  EXPECT_EQ((*wal)->Stats().fsyncs, 1u);
  // A record already durable is answered at once, on the caller's thread.
  bool at_once = false;
  (*wal)->WhenDurable(kRecords, [&at_once](const Status& s) { at_once = s.ok(); });
  EXPECT_TRUE(at_once);
}

TEST_F(WalTest, WhenDurableWaitersAreAnsweredBeforeTheLogCloses) {
  Answers answers;
  {
    auto wal = WriteAheadLog::Open(options_, 1);
    ASSERT_TRUE(wal.ok());
    for (std::uint64_t i = 1; i <= 10; ++i) {
      ASSERT_TRUE((*wal)->Append("r").ok());
      (*wal)->WhenDurable(i, answers.For(i));
    }
  }
  std::lock_guard lock(answers.mu);
  ASSERT_EQ(answers.got.size(), 10u);
  for (const auto& answer : answers.got) EXPECT_TRUE(answer.second.ok());
  EXPECT_EQ(ReadBack().size(), 10u);
}

TEST_F(WalTest, WhenDurableDoesNotWaitUnderOtherPolicies) {
  options_.policy = FsyncPolicy::kNever;
  auto wal = WriteAheadLog::Open(options_, 1);
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->Append("x").ok());
  bool at_once = false;
  (*wal)->WhenDurable(1, [&at_once](const Status& s) { at_once = s.ok(); });
  EXPECT_TRUE(at_once);
  EXPECT_EQ((*wal)->Stats().fsyncs, 0u);
}

TEST_F(WalTest, IntervalPolicyFlushesInTheBackground) {
  options_.policy = FsyncPolicy::kInterval;
  options_.fsync_interval = std::chrono::milliseconds(10);
  auto wal = WriteAheadLog::Open(options_, 1);
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->Append("x").ok());
  ASSERT_TRUE((*wal)->WaitDurable(1).ok());  // does not wait for the disk
  for (int i = 0; i < 500 && (*wal)->Stats().fsyncs == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE((*wal)->Stats().fsyncs, 1u);
}

TEST_F(WalTest, UnwritableDirectoryIsReported) {
  options_.dir = dir_ + "/missing";
  auto wal = WriteAheadLog::Open(options_, 1);
  ASSERT_FALSE(wal.ok());
  EXPECT_NE(wal.status().message().find("missing"), std::string::npos);
}

}  // namespace
}  // namespace accumulator::persist
