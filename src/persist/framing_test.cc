#include "persist/framing.h"

#include <gtest/gtest.h>

namespace accumulator::persist {
namespace {

TEST(FramingTest, FramesReadBackInOrder) {
  std::string data;
  AppendFrame("first", data);
  AppendFrame("", data);
  AppendFrame(std::string(100'000, 'x'), data);
  FrameReader reader(data);
  std::string_view payload;
  ASSERT_EQ(reader.Next(payload), FrameReader::Outcome::kFrame);
  EXPECT_EQ(payload, "first");
  ASSERT_EQ(reader.Next(payload), FrameReader::Outcome::kFrame);
  EXPECT_EQ(payload, "");
  ASSERT_EQ(reader.Next(payload), FrameReader::Outcome::kFrame);
  EXPECT_EQ(payload.size(), 100'000u);
  EXPECT_EQ(reader.Next(payload), FrameReader::Outcome::kEnd);
  EXPECT_EQ(reader.good_bytes(), data.size());
}

TEST(FramingTest, EveryCutShortTailIsTorn) {
  std::string data;
  AppendFrame("one", data);
  const std::size_t first = data.size();
  AppendFrame("two records", data);
  for (std::size_t cut = first + 1; cut < data.size(); ++cut) {
    FrameReader reader(std::string_view(data).substr(0, cut));
    std::string_view payload;
    ASSERT_EQ(reader.Next(payload), FrameReader::Outcome::kFrame);
    EXPECT_EQ(reader.Next(payload), FrameReader::Outcome::kTorn) << "cut at " << cut;
    EXPECT_EQ(reader.good_bytes(), first);
  }
}

TEST(FramingTest, EveryFlippedPayloadBitIsCaught) {
  std::string data;
  AppendFrame("payload bytes", data);
  for (std::size_t byte = kFrameHeaderBytes; byte < data.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = data;
      damaged[byte] = static_cast<char>(damaged[byte] ^ (1 << bit));
      FrameReader reader(damaged);
      std::string_view payload;
      EXPECT_EQ(reader.Next(payload), FrameReader::Outcome::kCorrupt);
      EXPECT_EQ(reader.good_bytes(), 0u);
    }
  }
}

TEST(FramingTest, ImpossibleLengthIsCorrupt) {
  std::string data;
  AppendU32(kMaxFramePayloadBytes + 1, data);
  AppendU32(0, data);
  FrameReader reader(data);
  std::string_view payload;
  EXPECT_EQ(reader.Next(payload), FrameReader::Outcome::kCorrupt);
}

TEST(FramingTest, IntegersAreLittleEndian) {
  std::string data;
  AppendU32(0x01020304, data);
  AppendU64(0x0102030405060708ULL, data);
  EXPECT_EQ(static_cast<int>(data[0]), 4);
  EXPECT_EQ(ReadU32(data.data()), 0x01020304U);
  EXPECT_EQ(ReadU64(data.data() + 4), 0x0102030405060708ULL);
}

}  // namespace
}  // namespace accumulator::persist
