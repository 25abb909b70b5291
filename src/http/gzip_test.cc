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
