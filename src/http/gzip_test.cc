#include "http/gzip.h"

#include <gtest/gtest.h>

namespace accumulator::http {
namespace {

TEST(GzipTest, RoundTrips) {
  const std::string text(10000, 'x');
  const std::string packed = GzipCompress(text);
  EXPECT_LT(packed.size(), text.size() / 10);
  auto unpacked = GzipDecompress(packed, 1 << 20);
  ASSERT_TRUE(unpacked.ok());
  EXPECT_EQ(*unpacked, text);
}

TEST(GzipTest, StreamInPiecesMakesOneGzipBody) {
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "series_" + std::to_string(i * 7919 % 100003) + " 1\n";
  GzipStream stream;
  std::string packed;
  std::size_t pieces_with_output = 0;
  for (std::size_t at = 0; at < text.size(); at += 4096) {
    const std::size_t before = packed.size();
    stream.Add(std::string_view(text).substr(at, 4096), /*last=*/false, packed);
    pieces_with_output += packed.size() > before ? 1 : 0;
  }
  stream.Add("the end\n", /*last=*/true, packed);
  // zlib hands out compressed bytes as its buffers fill, not only at the end.
  EXPECT_GT(pieces_with_output, 1u);
  auto unpacked = GzipDecompress(packed, 1 << 24);
  ASSERT_TRUE(unpacked.ok());
  EXPECT_EQ(*unpacked, text + "the end\n");
}

TEST(GzipTest, StopsABombAtTheLimit) {
  const std::string packed = GzipCompress(std::string(10 << 20, '\0'));
  auto out = GzipDecompress(packed, 1 << 20);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kPayloadTooLarge);
}

TEST(GzipTest, RejectsCorruptAndTruncatedData) {
  EXPECT_EQ(GzipDecompress("not gzip at all", 1024).status().code(), StatusCode::kInvalidArgument);
  const std::string packed = GzipCompress("hello world, hello world");
  EXPECT_EQ(GzipDecompress(packed.substr(0, packed.size() / 2), 1024).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(GzipTest, ReadsAcceptEncoding) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip(""));
}

}  // namespace
}  // namespace accumulator::http
