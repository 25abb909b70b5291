#include "persist/codec.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "persist/framing.h"
#include "support/builders.h"

namespace accumulator::persist {
namespace {

using model::MetricType;
namespace t = accumulator::testing;

constexpr TimePoint kAt{std::chrono::seconds(1'700'000'123)};
constexpr double kInf = std::numeric_limits<double>::infinity();

model::Push SamplePush() {
  return t::Push({
      t::Family("jobs_total", MetricType::kCounter,
                {t::Scalar({{"job", "a"}}, 3, {{"_metrics_accumulator_writer", "w1"}})}),
      t::Family("temp", MetricType::kGauge, {t::Scalar({}, NAN)}),
      t::Family("latency", MetricType::kHistogram,
                {t::Histogram({{"le_not", "x"}}, {0.1, kInf}, {1, 4}, 2.5)}),
      t::Family("sizes", MetricType::kSummary, {t::Summary({}, {{0.5, 3}, {0.9, 7}}, 10, 2)}),
  });
}

TEST(CodecTest, PushRecordRoundTrips) {
  const model::Push push = SamplePush();
  const std::string bytes =
      EncodePushRecord("group-1", std::chrono::seconds(900), kAt, push,
                       {"key\xff",
                        {201, "application/json", "{\"message\":\"success\"}"},
                        kAt + std::chrono::minutes(10)});
  auto decoded = DecodeRecord(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->kind, DecodedRecord::Kind::kPush);
  EXPECT_EQ(decoded->group, "group-1");
  EXPECT_EQ(decoded->at, kAt);
  EXPECT_EQ(decoded->ttl, std::chrono::seconds(900));
  EXPECT_EQ(decoded->idempotency_key, "key\xff");
  EXPECT_EQ(decoded->answer.status, 201);
  EXPECT_EQ(decoded->answer.content_type, "application/json");
  EXPECT_EQ(decoded->answer.body, "{\"message\":\"success\"}");
  EXPECT_EQ(decoded->idempotency_expires, kAt + std::chrono::minutes(10));
  ASSERT_EQ(decoded->push.families.size(), push.families.size());
  for (std::size_t i = 0; i < push.families.size(); ++i) {
    const model::Family& want = push.families[i];
    const model::Family& got = decoded->push.families[i];
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.type, want.type);
    ASSERT_EQ(got.series.size(), want.series.size());
    EXPECT_EQ(got.series[0].labels, want.series[0].labels);
    EXPECT_EQ(got.series[0].metadata, want.series[0].metadata);
    EXPECT_TRUE(model::SameValue(got.series[0].value, want.series[0].value)) << want.name;
  }
}

TEST(CodecTest, ResetDeleteAndDropRecordsRoundTrip) {
  auto reset = DecodeRecord(EncodeResetRecord("g", kAt));
  ASSERT_TRUE(reset.ok());
  EXPECT_EQ(reset->kind, DecodedRecord::Kind::kReset);
  auto drop = DecodeRecord(EncodeDropRecord("g", kAt));
  ASSERT_TRUE(drop.ok());
  EXPECT_EQ(drop->kind, DecodedRecord::Kind::kDrop);
  auto del = DecodeRecord(EncodeDeleteRecord("g", kAt, {{"x_total", {{"a", "1"}, {"b", "2"}}}}));
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->kind, DecodedRecord::Kind::kDelete);
  ASSERT_EQ(del->deleted.size(), 1u);
  EXPECT_EQ(del->deleted[0].family, "x_total");
  EXPECT_EQ(del->deleted[0].labels, (model::Labels{{"a", "1"}, {"b", "2"}}));
}

TEST(CodecTest, RecordsTheStoreCouldNotUseAreRefused) {
  EXPECT_FALSE(DecodeRecord("\xff\xff\xff").ok());
  EXPECT_FALSE(DecodeRecord("").ok());  // no group, no change
  model::Push bad_name = t::Push({t::Family("1bad", MetricType::kGauge, {t::Scalar({}, 1)})});
  EXPECT_FALSE(
      DecodeRecord(EncodePushRecord("g", std::chrono::seconds(1), kAt, bad_name, {})).ok());
  model::Push mismatched =
      t::Push({t::Family("h", MetricType::kGauge, {t::Histogram({}, {kInf}, {1}, 1)})});
  EXPECT_FALSE(
      DecodeRecord(EncodePushRecord("g", std::chrono::seconds(1), kAt, mismatched, {})).ok());
}

store::StoreImage SampleImage() {
  store::StoreImage image;
  store::GroupImage& group = image.groups.emplace_back();
  group.name = "g";
  group.ttl = std::chrono::seconds(60);
  group.last_push = kAt;
  group.expired_series = 4;
  group.resets = 2;
  store::FamilyImage& family = group.families.emplace_back();
  family.name = "c_total";
  family.type = MetricType::kCounter;
  family.help = "help text";
  for (int i = 0; i < 2500; ++i) {  // spans several snapshot entries
    store::SeriesImage& series = family.series.emplace_back();
    series.labels = {{"i", std::to_string(i)}};
    series.value.value = model::ScalarValue{static_cast<double>(i)};
    series.last_push = kAt - std::chrono::seconds(i);
    if (i == 7) series.writers.push_back({"w", model::ScalarValue{5}, kAt});
  }
  store::FamilyImage& gauge = group.families.emplace_back();
  gauge.name = "g_latest";
  gauge.type = MetricType::kGauge;
  store::SeriesImage& latest = gauge.series.emplace_back();
  latest.value = {model::ScalarValue{1}, 42.0};
  image.groups.emplace_back().name = "empty";
  image.idempotency.push_back({"g", "k", {400, "text/plain", "line 1: bad\n"}, kAt});
  return image;
}

TEST(CodecTest, SnapshotRoundTrips) {
  const std::string file = EncodeSnapshot(SampleImage(), 77, kAt, "test");
  auto decoded = DecodeSnapshot(file);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->first_sequence_after, 77u);
  EXPECT_EQ(decoded->series, 2501u);
  const store::StoreImage& image = decoded->image;
  ASSERT_EQ(image.groups.size(), 2u);
  const store::GroupImage& g = image.groups[0];
  EXPECT_EQ(g.ttl, std::chrono::seconds(60));
  EXPECT_EQ(g.expired_series, 4u);
  EXPECT_EQ(g.resets, 2u);
  ASSERT_EQ(g.families.size(), 2u);
  ASSERT_EQ(g.families[0].series.size(), 2500u);
  EXPECT_EQ(g.families[0].help, "help text");
  EXPECT_EQ(g.families[0].series[2499].last_push, kAt - std::chrono::seconds(2499));
  ASSERT_EQ(g.families[0].series[7].writers.size(), 1u);
  EXPECT_EQ(g.families[0].series[7].writers[0].writer, "w");
  EXPECT_EQ(g.families[1].series[0].value.latest, 42.0);
  EXPECT_EQ(image.groups[1].name, "empty");
  ASSERT_EQ(image.idempotency.size(), 1u);
  EXPECT_EQ(image.idempotency[0].answer.status, 400);
  EXPECT_EQ(image.idempotency[0].answer.content_type, "text/plain");
  EXPECT_EQ(image.idempotency[0].answer.body, "line 1: bad\n");
}

TEST(CodecTest, DamagedOrIncompleteSnapshotsAreRefused) {
  const std::string file = EncodeSnapshot(SampleImage(), 77, kAt, "test");
  EXPECT_FALSE(DecodeSnapshot(file.substr(0, file.size() - 3)).ok());
  EXPECT_FALSE(DecodeSnapshot(file.substr(0, file.size() / 2)).ok());
  std::string flipped = file;
  flipped[file.size() / 2] = static_cast<char>(flipped[file.size() / 2] ^ 0x10);
  EXPECT_FALSE(DecodeSnapshot(flipped).ok());
  EXPECT_FALSE(DecodeSnapshot("MASNAP02" + file.substr(8)).ok());
  EXPECT_FALSE(DecodeSnapshot(file + "x").ok());
}

}  // namespace
}  // namespace accumulator::persist
