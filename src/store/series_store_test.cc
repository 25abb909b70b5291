#include "store/series_store.h"

#include <cmath>
#include <thread>

#include <gtest/gtest.h>

#include "model/names.h"
#include "support/builders.h"

namespace accumulator::store {
namespace {

using model::MetricType;
namespace t = accumulator::testing;

class SeriesStoreTest : public ::testing::Test {
 protected:
  SeriesStoreTest() : store_(clock_) {
    store_.Configure({GroupSettings{"g", 5, std::chrono::seconds(60)},
                      GroupSettings{"other", 100, std::chrono::seconds(0)}});
  }

  double Value(std::string_view family, const model::Labels& labels = {}) {
    auto snap = store_.Snapshot("g");
    for (const auto& f : *snap) {
      if (f.name != family) continue;
      for (const auto& s : f.series) {
        if (s.labels == labels) return std::get<model::ScalarValue>(s.value).value;
      }
    }
    return NAN;
  }
  std::size_t SeriesCount(std::string_view group = "g") { return store_.Stats(group)->series; }

  FakeClock clock_;
  SeriesStore store_;
};

model::Push Counter(double v, model::Labels labels = {}) {
  return t::Push({t::Family("c_total", MetricType::kCounter, {t::Scalar(std::move(labels), v)})});
}

TEST_F(SeriesStoreTest, CounterPushesAddUp) {
  ASSERT_TRUE(store_.Apply("g", Counter(5)).ok());
  ASSERT_TRUE(store_.Apply("g", Counter(5)).ok());
  EXPECT_EQ(Value("c_total"), 10);
  EXPECT_EQ(SeriesCount(), 1u);
}

TEST_F(SeriesStoreTest, UnknownGroupIsNotFound) {
  EXPECT_EQ(store_.Apply("nope", Counter(1)).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_.Snapshot("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(SeriesStoreTest, TypeConflictIsRejectedAndStateKept) {
  ASSERT_TRUE(store_.Apply("g", Counter(5)).ok());
  auto gauge = t::Push({t::Family("other_g", MetricType::kGauge, {t::Scalar({}, 1)}),
                        t::Family("c_total", MetricType::kGauge, {t::Scalar({}, 1)})});
  Status s = store_.Apply("g", gauge);
  EXPECT_EQ(s.code(), StatusCode::kConflict);
  EXPECT_NE(s.message().find("c_total"), std::string::npos);
  EXPECT_EQ(Value("c_total"), 5);
  EXPECT_TRUE(std::isnan(Value("other_g")));  // nothing of the push applied
}

TEST_F(SeriesStoreTest, BucketConflictLeavesEverythingUnchanged) {
  auto first = t::Push(
      {t::Family("h", MetricType::kHistogram, {t::Histogram({}, {1, INFINITY}, {1, 2}, 3)})});
  ASSERT_TRUE(store_.Apply("g", first).ok());
  auto second = t::Push(
      {t::Family("c_total", MetricType::kCounter, {t::Scalar({}, 1)}),
       t::Family("h", MetricType::kHistogram, {t::Histogram({}, {2, INFINITY}, {1, 2}, 3)})});
  EXPECT_EQ(store_.Apply("g", second).code(), StatusCode::kConflict);
  EXPECT_TRUE(std::isnan(Value("c_total")));
  auto snap = store_.Snapshot("g");
  ASSERT_EQ(snap->size(), 1u);
  EXPECT_EQ(std::get<model::HistogramValue>((*snap)[0].series[0].value).bucket_counts,
            (std::vector<double>{1, 2}));
}

TEST_F(SeriesStoreTest, FamiliesThatWouldShareSampleNamesConflict) {
  auto untyped_sum = t::Push({t::Family("rt_sum", MetricType::kUntyped, {t::Scalar({}, 1)})});
  auto histogram = t::Push(
      {t::Family("rt", MetricType::kHistogram, {t::Histogram({}, {1, INFINITY}, {1, 2}, 3)})});
  ASSERT_TRUE(store_.Apply("g", untyped_sum).ok());
  EXPECT_EQ(store_.Apply("g", histogram).code(), StatusCode::kConflict);
  ASSERT_TRUE(store_.Reset("g").ok());
  ASSERT_TRUE(store_.Apply("g", histogram).ok());
  Status s = store_.Apply("g", untyped_sum);
  EXPECT_EQ(s.code(), StatusCode::kConflict);
  EXPECT_NE(s.message().find("histogram \"rt\""), std::string::npos) << s.message();
  // A summary has no _bucket samples: "rt2_bucket" beside summary "rt2" is fine.
  ASSERT_TRUE(
      store_
          .Apply("g", t::Push({t::Family("rt2", MetricType::kSummary, {t::Summary({}, {}, 1, 1)})}))
          .ok());
  EXPECT_TRUE(
      store_.Apply("g", t::Push({t::Family("rt2_bucket", MetricType::kGauge, {t::Scalar({}, 1)})}))
          .ok());
}

TEST_F(SeriesStoreTest, MaxSeriesCountsSeriesAndRejectsWholePush) {
  std::vector<model::Series> four;
  four.reserve(4);
  for (int i = 0; i < 4; ++i) four.push_back(t::Scalar({{"i", std::to_string(i)}}, 1));
  ASSERT_TRUE(store_.Apply("g", t::Push({t::Family("c_total", MetricType::kCounter, four)})).ok());
  EXPECT_EQ(SeriesCount(), 4u);
  // Two new series would make 6 > 5: nothing applies, not even the existing one.
  auto over = t::Push({t::Family(
      "c_total", MetricType::kCounter,
      {t::Scalar({{"i", "0"}}, 1), t::Scalar({{"i", "8"}}, 1), t::Scalar({{"i", "9"}}, 1)})});
  Status s = store_.Apply("g", over);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("maxTimeSeries 5"), std::string::npos) << s.message();
  EXPECT_EQ(Value("c_total", {{"i", "0"}}), 1);
  EXPECT_EQ(SeriesCount(), 4u);
  // Updating existing series is always allowed; one new series fits.
  EXPECT_TRUE(store_.Apply("g", Counter(1, {{"i", "0"}})).ok());
  EXPECT_TRUE(store_.Apply("g", Counter(1, {{"i", "5"}})).ok());
  EXPECT_EQ(store_.Apply("g", Counter(1, {{"i", "6"}})).code(), StatusCode::kResourceExhausted);
}

TEST_F(SeriesStoreTest, SeriesExpireAfterTtl) {
  ASSERT_TRUE(store_.Apply("g", Counter(5, {{"a", "old"}})).ok());
  clock_.Advance(std::chrono::seconds(40));
  ASSERT_TRUE(store_.Apply("g", Counter(5, {{"a", "new"}})).ok());
  clock_.Advance(std::chrono::seconds(21));                   // old: 61s idle, new: 21s
  EXPECT_TRUE(std::isnan(Value("c_total", {{"a", "old"}})));  // hidden before the sweep
  EXPECT_EQ(Value("c_total", {{"a", "new"}}), 5);
  EXPECT_EQ(store_.ExpireIdle(), 1u);
  EXPECT_EQ(SeriesCount(), 1u);
  EXPECT_EQ(store_.Stats("g")->expired_series, 1u);
}

TEST_F(SeriesStoreTest, ExpiredSeriesPushedAgainStartsFromZero) {
  ASSERT_TRUE(store_.Apply("g", Counter(5)).ok());
  clock_.Advance(std::chrono::seconds(61));
  ASSERT_TRUE(store_.Apply("g", Counter(2)).ok());  // before any sweep
  EXPECT_EQ(Value("c_total"), 2);
  EXPECT_EQ(SeriesCount(), 1u);
}

TEST_F(SeriesStoreTest, ExpiredFamilyMayComeBackWithAnotherType) {
  ASSERT_TRUE(store_.Apply("g", Counter(5)).ok());
  clock_.Advance(std::chrono::seconds(61));
  auto gauge = t::Push({t::Family("c_total", MetricType::kGauge, {t::Scalar({}, 1)})});
  EXPECT_TRUE(store_.Apply("g", gauge).ok());
  EXPECT_EQ(SeriesCount(), 1u);
}

TEST_F(SeriesStoreTest, ZeroTtlNeverExpires) {
  ASSERT_TRUE(store_.Apply("other", Counter(5)).ok());
  clock_.Advance(std::chrono::hours(24 * 365));
  EXPECT_EQ(store_.ExpireIdle(), 0u);
  EXPECT_EQ(store_.Snapshot("other")->size(), 1u);
}

TEST_F(SeriesStoreTest, ResetEmptiesOnlyThatGroup) {
  ASSERT_TRUE(store_.Apply("g", Counter(5)).ok());
  ASSERT_TRUE(store_.Apply("other", Counter(5)).ok());
  ASSERT_TRUE(store_.Reset("g").ok());
  EXPECT_TRUE(store_.Snapshot("g")->empty());
  EXPECT_EQ(SeriesCount("g"), 0u);
  EXPECT_EQ(store_.Snapshot("other")->size(), 1u);
  EXPECT_EQ(store_.Stats("g")->resets, 1u);
}

TEST_F(SeriesStoreTest, ScheduledResetHappensOncePerScheduledTime) {
  const TimePoint midnight = clock_.Now() + std::chrono::hours(1);
  ASSERT_TRUE(store_.Apply("g", Counter(5)).ok());
  ASSERT_TRUE(store_.ScheduledReset("g", midnight).ok());
  ASSERT_TRUE(store_.Apply("g", Counter(2)).ok());
  // A second scheduler (another replica's) asking for the same time changes nothing,
  // nor does one that is late with an earlier time.
  ASSERT_TRUE(store_.ScheduledReset("g", midnight).ok());
  ASSERT_TRUE(store_.ScheduledReset("g", midnight - std::chrono::hours(24)).ok());
  EXPECT_EQ(Value("c_total"), 2);
  EXPECT_EQ(store_.Stats("g")->resets, 1u);
  ASSERT_TRUE(store_.ScheduledReset("g", midnight + std::chrono::hours(24)).ok());
  EXPECT_TRUE(store_.Snapshot("g")->empty());
  EXPECT_EQ(store_.Stats("g")->resets, 2u);
  EXPECT_EQ(store_.ScheduledReset("nope", midnight).code(), StatusCode::kNotFound);
}

TEST_F(SeriesStoreTest, ConfigureKeepsSeriesOfRemainingGroupsAndDropsOthers) {
  ASSERT_TRUE(store_.Apply("g", Counter(5)).ok());
  ASSERT_TRUE(store_.Apply("other", Counter(5)).ok());
  store_.Configure({GroupSettings{"g", 10, std::chrono::seconds(60)},
                    GroupSettings{"new", 10, std::chrono::seconds(60)}});
  EXPECT_EQ(Value("c_total"), 5);
  EXPECT_EQ(store_.Stats("other").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_.Stats("new").ok());
}

TEST_F(SeriesStoreTest, SnapshotIsSortedAndDeterministic) {
  auto push = t::Push(
      {t::Family("b", MetricType::kGauge, {t::Scalar({{"x", "2"}}, 1), t::Scalar({{"x", "1"}}, 1)}),
       t::Family("a", MetricType::kGauge, {t::Scalar({}, 1)})});
  ASSERT_TRUE(store_.Apply("g", push).ok());
  auto snap = store_.Snapshot("g");
  ASSERT_EQ(snap->size(), 2u);
  EXPECT_EQ((*snap)[0].name, "a");
  EXPECT_EQ((*snap)[1].series[0].labels, (model::Labels{{"x", "1"}}));
}

TEST_F(SeriesStoreTest, LatestStampOrdersGaugesAndMayTurnAScalarShaped) {
  const auto gauge = [](double v, double stamp) {
    return t::Push({t::Family(
        "temp", MetricType::kGauge,
        {t::Scalar({}, v, {{std::string(model::kLatestLabel), std::to_string(stamp)}})})});
  };
  ASSERT_TRUE(store_.Apply("g", gauge(1, 5)).ok());
  ASSERT_TRUE(store_.Apply("g", gauge(2, 3)).ok());  // older stamp: ignored
  EXPECT_EQ(Value("temp"), 1);
  ASSERT_TRUE(store_.Apply("g", gauge(3, 7)).ok());
  EXPECT_EQ(Value("temp"), 3);
  // Without a stamp the gauge is replaced, and the stamp of the value kept stays.
  ASSERT_TRUE(
      store_.Apply("g", t::Push({t::Family("temp", MetricType::kGauge, {t::Scalar({}, 4)})})).ok());
  EXPECT_EQ(Value("temp"), 4);
  ASSERT_TRUE(store_.Apply("g", gauge(5, 6)).ok());
  EXPECT_EQ(Value("temp"), 4);
  // The stamp is part of the checkpoint.
  const StoreImage image = store_.Checkpoint([] {});
  ASSERT_EQ(image.groups[0].families.size(), 1u);
  EXPECT_EQ(image.groups[0].families[0].series[0].value.latest, 7);
}

TEST_F(SeriesStoreTest, PushesMixingKnownAndNewSeriesLandOnTheRightSeries) {
  store_.Configure({GroupSettings{"g", 100, std::chrono::seconds(60)}});
  const auto push = [](const std::vector<std::pair<std::string, double>>& a,
                       const std::vector<std::pair<std::string, double>>& b) {
    model::Family fa = t::Family("a_total", MetricType::kCounter, {});
    for (auto& [k, v] : a) fa.series.push_back(t::Scalar({{"k", k}}, v));
    model::Family fb = t::Family("b_total", MetricType::kCounter, {});
    for (auto& [k, v] : b) fb.series.push_back(t::Scalar({{"k", k}}, v));
    return t::Push({fa, fb});
  };
  ASSERT_TRUE(store_.Apply("g", push({{"1", 1}, {"3", 3}}, {{"x", 10}})).ok());
  // a: one known, one new between them, one known; b: all known.
  ASSERT_TRUE(store_.Apply("g", push({{"1", 1}, {"2", 2}, {"3", 3}}, {{"x", 10}})).ok());
  // a: all known; b: a new series before the known one.
  ASSERT_TRUE(store_.Apply("g", push({{"3", 3}, {"1", 1}, {"2", 2}}, {{"w", 5}, {"x", 10}})).ok());
  EXPECT_EQ(Value("a_total", {{"k", "1"}}), 3);
  EXPECT_EQ(Value("a_total", {{"k", "2"}}), 4);
  EXPECT_EQ(Value("a_total", {{"k", "3"}}), 9);
  EXPECT_EQ(Value("b_total", {{"k", "w"}}), 5);
  EXPECT_EQ(Value("b_total", {{"k", "x"}}), 30);
  EXPECT_EQ(SeriesCount(), 5u);
}

TEST_F(SeriesStoreTest, VisitFamilyStreamsLiveSeriesInLabelOrder) {
  auto push = t::Push(
      {t::Family("b", MetricType::kGauge,
                 {t::Scalar({{"x", "2"}}, 2), t::Scalar({{"x", "10"}}, 10),
                  t::Scalar({{"x", "1"}, {"y", "z"}}, 1)}),
       t::Family("a", MetricType::kHistogram, {t::Histogram({}, {1, INFINITY}, {1, 2}, 3)})});
  ASSERT_TRUE(store_.Apply("g", push).ok());
  auto families = store_.Families("g");
  ASSERT_TRUE(families.ok());
  ASSERT_EQ(families->size(), 2u);
  EXPECT_EQ((*families)[0].name, "a");
  EXPECT_EQ((*families)[1].name, "b");

  std::vector<std::string> seen;
  const auto visit = [&](std::span<const model::LabelRef> labels, const model::Value& value) {
    std::string line;
    for (const auto& l : labels) line += std::string(l.name) + "=" + std::string(l.value) + ",";
    if (const auto* s = std::get_if<model::ScalarValue>(&value)) {
      line += std::to_string(static_cast<int>(s->value));
    } else {
      line +=
          "hist:" + std::to_string(static_cast<int>(std::get<model::HistogramValue>(value).sum));
    }
    seen.push_back(line);
  };
  EXPECT_EQ(store_.VisitFamily("g", "b", MetricType::kGauge, visit), 3u);
  EXPECT_EQ(seen, (std::vector<std::string>{"x=1,y=z,1", "x=10,10", "x=2,2"}));
  seen.clear();
  EXPECT_EQ(store_.VisitFamily("g", "a", MetricType::kHistogram, visit), 1u);
  EXPECT_EQ(seen, (std::vector<std::string>{"hist:3"}));
  // A family that changed type since it was listed, or is gone, is not visited.
  EXPECT_EQ(store_.VisitFamily("g", "b", MetricType::kCounter, visit), 0u);
  EXPECT_EQ(store_.VisitFamily("g", "zzz", MetricType::kGauge, visit), 0u);
  EXPECT_EQ(store_.VisitFamily("nope", "b", MetricType::kGauge, visit), 0u);

  // Expired series are skipped; SnapshotFamily agrees.
  clock_.Advance(std::chrono::seconds(40));
  ASSERT_TRUE(
      store_.Apply("g", t::Push({t::Family("b", MetricType::kGauge, {t::Scalar({{"x", "2"}}, 5)})}))
          .ok());
  clock_.Advance(std::chrono::seconds(21));
  EXPECT_EQ(store_.VisitFamily("g", "b", MetricType::kGauge, [](auto, const auto&) {}), 1u);
  auto copy = store_.SnapshotFamily("g", {"b", MetricType::kGauge, "help of b"});
  ASSERT_TRUE(copy.has_value());
  ASSERT_EQ(copy->series.size(), 1u);
  EXPECT_EQ(copy->series[0].labels, (model::Labels{{"x", "2"}}));
  EXPECT_EQ(std::get<model::ScalarValue>(copy->series[0].value).value, 5);
  EXPECT_EQ(copy->help, "help of b");
  // All of a's series expired; b is not a counter.
  EXPECT_FALSE(store_.SnapshotFamily("g", {"a", MetricType::kHistogram, ""}).has_value());
  EXPECT_FALSE(store_.SnapshotFamily("g", {"b", MetricType::kCounter, ""}).has_value());
}

TEST_F(SeriesStoreTest, VisitInStepsResumesAfterTheLastSeriesLookedAt) {
  store_.Configure({GroupSettings{"g", 100, std::chrono::seconds(60)}});
  std::vector<model::Series> series;
  for (const char* x : {"a", "b", "c", "d", "e", "f", "g"})
    series.push_back(t::Scalar({{"x", x}}, 1));
  ASSERT_TRUE(store_.Apply("g", t::Push({t::Family("m", MetricType::kGauge, series)})).ok());
  // "b" expires: it is looked at (and counts toward a step) but not visited.
  clock_.Advance(std::chrono::seconds(30));
  for (const char* x : {"a", "c", "d", "e", "f", "g"}) {
    ASSERT_TRUE(
        store_.Apply("g", t::Push({t::Family("m", MetricType::kGauge, {t::Scalar({{"x", x}}, 2)})}))
            .ok());
  }
  clock_.Advance(std::chrono::seconds(31));

  std::string seen;
  const auto visit = [&](std::span<const model::LabelRef> labels, const model::Value&) {
    seen += std::string(labels[0].value);
  };
  VisitCursor cursor;
  EXPECT_EQ(store_.VisitFamilyStep("g", "m", MetricType::kGauge, visit, cursor, 2), 1u);
  EXPECT_EQ(seen, "a");
  EXPECT_FALSE(cursor.done);
  EXPECT_EQ(store_.VisitFamilyStep("g", "m", MetricType::kGauge, visit, cursor, 2), 2u);
  EXPECT_EQ(seen, "acd");
  // Changes between steps: the series the cursor stands on goes, one before it and
  // one after it arrive. Only the one after it is seen.
  const model::Selector d[] = {model::Selector::HavingAll({{"x", "d"}})};
  const auto erased = store_.DeleteMatching("g", d);
  ASSERT_TRUE(erased.ok());
  EXPECT_EQ(*erased, 1u);
  ASSERT_TRUE(store_
                  .Apply("g", t::Push({t::Family(
                                  "m", MetricType::kGauge,
                                  {t::Scalar({{"x", "c2"}}, 1), t::Scalar({{"x", "d2"}}, 1)})}))
                  .ok());
  EXPECT_EQ(store_.VisitFamilyStep("g", "m", MetricType::kGauge, visit, cursor, 2), 2u);
  EXPECT_EQ(seen, "acdd2e");
  EXPECT_FALSE(cursor.done);
  EXPECT_EQ(store_.VisitFamilyStep("g", "m", MetricType::kGauge, visit, cursor, 2), 2u);
  EXPECT_EQ(seen, "acdd2efg");
  // Nothing was left after "g", but the step could not know that before looking.
  EXPECT_EQ(store_.VisitFamilyStep("g", "m", MetricType::kGauge, visit, cursor, 2), 0u);
  EXPECT_TRUE(cursor.done);
  EXPECT_EQ(store_.VisitFamilyStep("g", "m", MetricType::kGauge, visit, cursor, 2), 0u);

  // A family that changes type (or goes) between steps ends the visit.
  VisitCursor retyped;
  EXPECT_EQ(store_.VisitFamilyStep("g", "m", MetricType::kGauge, visit, retyped, 1), 1u);
  ASSERT_TRUE(store_.Reset("g").ok());
  ASSERT_TRUE(
      store_
          .Apply("g", t::Push({t::Family("m", MetricType::kUntyped, {t::Scalar({{"x", "z"}}, 1)})}))
          .ok());
  EXPECT_EQ(store_.VisitFamilyStep("g", "m", MetricType::kGauge, visit, retyped, 1), 0u);
  EXPECT_TRUE(retyped.done);
}

TEST_F(SeriesStoreTest, DeleteMatchingRemovesOnlyMatchingSeries) {
  ASSERT_TRUE(store_.Apply("g", Counter(1, {{"job", "a"}})).ok());
  ASSERT_TRUE(store_.Apply("g", Counter(1, {{"job", "b"}})).ok());
  auto of_job_a = model::Selector::Make({{"job", model::Selector::Op::kEqual, "a"}});
  ASSERT_TRUE(of_job_a.ok());
  auto deleted = store_.DeleteMatching("g", {&*of_job_a, 1});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1u);
  EXPECT_EQ(SeriesCount(), 1u);
  EXPECT_TRUE(std::isnan(Value("c_total", {{"job", "a"}})));
  EXPECT_EQ(Value("c_total", {{"job", "b"}}), 1);
}

model::Push WriterCounter(std::string_view writer, double total) {
  return t::Push(
      {t::Family("c_total", MetricType::kCounter,
                 {t::Scalar({}, total, {{"_metrics_accumulator_writer", std::string(writer)}})})});
}

TEST_F(SeriesStoreTest, CumulativeWriterAddsOnlyTheIncrease) {
  store_.Configure({GroupSettings{"g", 100, std::chrono::seconds(60)}});
  for (double total : {5.0, 8.0, 10.0})
    ASSERT_TRUE(store_.Apply("g", WriterCounter("w1", total)).ok());
  EXPECT_EQ(Value("c_total"), 10);
  // A second container counts from its own zero.
  ASSERT_TRUE(store_.Apply("g", WriterCounter("w2", 4)).ok());
  EXPECT_EQ(Value("c_total"), 14);
  // w1 restarted: its total fell, so the whole value is new.
  ASSERT_TRUE(store_.Apply("g", WriterCounter("w1", 3)).ok());
  EXPECT_EQ(Value("c_total"), 17);
  // Plain delta pushes still add.
  ASSERT_TRUE(store_.Apply("g", Counter(1)).ok());
  EXPECT_EQ(Value("c_total"), 18);
  EXPECT_EQ(SeriesCount(), 3u);  // the series and two writer states
}

TEST_F(SeriesStoreTest, CumulativeHistogramAddsBucketIncreases) {
  store_.Configure({GroupSettings{"g", 100, std::chrono::seconds(60)}});
  const model::Labels writer{{"_metrics_accumulator_writer", "w"}};
  auto push = [&](std::vector<double> counts, double sum) {
    auto series = t::Histogram({}, {1, INFINITY}, std::move(counts), sum);
    series.metadata = writer;
    return t::Push({t::Family("h", MetricType::kHistogram, {series})});
  };
  ASSERT_TRUE(store_.Apply("g", push({1, 2}, 3)).ok());
  ASSERT_TRUE(store_.Apply("g", push({2, 4}, 7)).ok());
  auto snap = store_.Snapshot("g");
  const auto& h = std::get<model::HistogramValue>((*snap)[0].series[0].value);
  EXPECT_EQ(h.bucket_counts, (std::vector<double>{2, 4}));
  EXPECT_EQ(h.sum, 7);
  EXPECT_EQ(h.count, 4);
}

TEST_F(SeriesStoreTest, WriterStatesCountTowardTheLimitAndExpire) {
  // g allows 5 entries: the series plus 4 writer states.
  for (const char* w : {"a", "b", "c", "d"})
    ASSERT_TRUE(store_.Apply("g", WriterCounter(w, 1)).ok());
  EXPECT_EQ(SeriesCount(), 5u);
  EXPECT_EQ(store_.Apply("g", WriterCounter("e", 1)).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Value("c_total"), 4);
  clock_.Advance(std::chrono::seconds(40));
  ASSERT_TRUE(store_.Apply("g", WriterCounter("a", 3)).ok());  // +2
  clock_.Advance(std::chrono::seconds(30));                    // b, c, d idle for 70 s; a for 30 s
  store_.ExpireIdle();
  EXPECT_EQ(SeriesCount(), 2u);
  EXPECT_EQ(Value("c_total"), 6);
  // b comes back: its state expired, so its whole total counts, as after a restart.
  ASSERT_TRUE(store_.Apply("g", WriterCounter("b", 5)).ok());
  EXPECT_EQ(Value("c_total"), 11);
}

TEST_F(SeriesStoreTest, GaugesIgnoreTheWriter) {
  auto gauge = [](double v) {
    return t::Push({t::Family("temp", MetricType::kGauge,
                              {t::Scalar({}, v, {{"_metrics_accumulator_writer", "w"}})})});
  };
  ASSERT_TRUE(store_.Apply("g", gauge(5)).ok());
  ASSERT_TRUE(store_.Apply("g", gauge(3)).ok());
  EXPECT_EQ(Value("temp"), 3);
  EXPECT_EQ(SeriesCount(), 1u);
}

TEST_F(SeriesStoreTest, ConcurrentPushesGiveExactSums) {
  store_.Configure({GroupSettings{"g", 1000, std::chrono::seconds(60)}});
  constexpr int kThreads = 8;
  constexpr int kPushes = 500;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPushes; ++i) {
        auto push =
            t::Push({t::Family("c_total", MetricType::kCounter, {t::Scalar({}, 1)}),
                     t::Family("f" + std::to_string(i % 20) + "_total", MetricType::kCounter,
                               {t::Scalar({{"t", std::to_string(t)}}, 2)})});
        ASSERT_TRUE(store_.Apply("g", push).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(Value("c_total"), kThreads * kPushes);
  EXPECT_EQ(SeriesCount(), 1u + 20u * kThreads);
}

// A journal that records what it is told, and refuses when asked to.
class RecordingJournal final : public Journal {
 public:
  Result<Ticket> RecordPush(std::string_view group, std::chrono::seconds, TimePoint,
                            const model::Push&, const PushTag&) override {
    return Next("push " + std::string(group));
  }
  Result<Ticket> RecordReset(std::string_view group, TimePoint) override {
    return Next("reset " + std::string(group));
  }
  Result<Ticket> RecordDelete(std::string_view group, TimePoint,
                              const std::vector<SeriesRef>& series) override {
    return Next("delete " + std::string(group) + " " + std::to_string(series.size()));
  }
  Result<Ticket> RecordDrop(std::string_view group, TimePoint) override {
    return Next("drop " + std::string(group));
  }
  Status WaitDurable(Ticket ticket) override {
    waited.push_back(ticket);
    return fail_durability ? Status::Unavailable("fsync failed") : Status::Ok();
  }

  std::vector<std::string> records;
  std::vector<Ticket> waited;
  bool refuse = false;
  bool fail_durability = false;

 private:
  Result<Ticket> Next(std::string what) {
    if (refuse) return Status::Unavailable("No space left on device");
    records.push_back(std::move(what));
    return static_cast<Ticket>(records.size());
  }
};

TEST_F(SeriesStoreTest, EveryChangeIsJournaledAndWaitedFor) {
  RecordingJournal journal;
  store_.SetJournal(&journal);
  ASSERT_TRUE(store_.Apply("g", Counter(1)).ok());
  auto everything = model::Selector::Make({{"__name__", model::Selector::Op::kRegexMatch, ".*"}});
  ASSERT_TRUE(everything.ok());
  ASSERT_TRUE(store_.DeleteMatching("g", {&*everything, 1}).ok());
  ASSERT_TRUE(store_.Reset("g").ok());
  store_.Configure({GroupSettings{"g", 5, std::chrono::seconds(60)}});
  EXPECT_EQ(journal.records,
            (std::vector<std::string>{"push g", "delete g 1", "reset g", "drop other"}));
  EXPECT_EQ(journal.waited, (std::vector<Journal::Ticket>{1, 2, 3}));
  store_.SetJournal(nullptr);
}

TEST_F(SeriesStoreTest, ChangeTheJournalRefusesIsNotApplied) {
  ASSERT_TRUE(store_.Apply("g", Counter(1)).ok());
  RecordingJournal journal;
  journal.refuse = true;
  store_.SetJournal(&journal);
  EXPECT_EQ(store_.Apply("g", Counter(5, {{"new", "series"}})).code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_.Reset("g").code(), StatusCode::kUnavailable);
  EXPECT_EQ(Value("c_total"), 1);
  EXPECT_EQ(SeriesCount(), 1u);  // the reservation for the new series was given back
  store_.SetJournal(nullptr);
}

TEST_F(SeriesStoreTest, ChangeThatCannotBeMadeDurableIsReportedAsUnavailable) {
  RecordingJournal journal;
  journal.fail_durability = true;
  store_.SetJournal(&journal);
  const Status s = store_.Apply("g", Counter(1));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("fsync failed"), std::string::npos);
  store_.SetJournal(nullptr);
}

TEST_F(SeriesStoreTest, ApplyThenReportsDurabilityOnlyForAppliedPushes) {
  std::vector<Status> reported;
  auto record = [&reported](const Status& s) { reported.push_back(s); };
  // No journal: durable at once.
  ASSERT_TRUE(store_.ApplyThen("g", Counter(1), {}, record).ok());
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_TRUE(reported[0].ok());

  RecordingJournal journal;
  store_.SetJournal(&journal);
  // Refused: never reported as durable, nothing applied.
  EXPECT_EQ(store_.ApplyThen("nope", Counter(1), {}, record).code(), StatusCode::kNotFound);
  EXPECT_EQ(reported.size(), 1u);
  // Applied, and the journal cannot make it durable: applied but reported unavailable.
  journal.fail_durability = true;
  ASSERT_TRUE(store_.ApplyThen("g", Counter(2), {}, record).ok());
  ASSERT_EQ(reported.size(), 2u);
  EXPECT_EQ(reported[1].code(), StatusCode::kUnavailable);
  EXPECT_NE(reported[1].message().find("applied but could not be made durable"), std::string::npos);
  EXPECT_EQ(Value("c_total"), 3);
  EXPECT_EQ(journal.waited, (std::vector<Journal::Ticket>{1}));
  store_.SetJournal(nullptr);
}

TEST_F(SeriesStoreTest, ReplayIgnoresTheLimitAndUsesTheRecordedTime) {
  const TimePoint then = clock_.Now() - std::chrono::seconds(30);
  for (int i = 0; i < 8; ++i) {  // the limit is 5
    ASSERT_TRUE(
        store_
            .Replay("g", std::chrono::seconds(60), then, Counter(1, {{"i", std::to_string(i)}}), {})
            .ok());
  }
  EXPECT_EQ(SeriesCount(), 8u);
  clock_.Advance(std::chrono::seconds(31));  // 61 s after the recorded time: expired
  EXPECT_TRUE(store_.Snapshot("g")->empty());
}

TEST_F(SeriesStoreTest, LoggedPushKeepsTheLimitAndUsesTheEntrysTime) {
  const TimePoint then = clock_.Now() - std::chrono::seconds(30);
  int accepted = 0;
  for (int i = 0; i < 8; ++i) {  // the limit is 5
    Status s = store_.ApplyLogged("g", then, Counter(1, {{"i", std::to_string(i)}}), {});
    if (s.ok()) ++accepted;
    if (i >= 5) {
      EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
    }
  }
  EXPECT_EQ(accepted, 5);
  EXPECT_EQ(SeriesCount(), 5u);
  clock_.Advance(std::chrono::seconds(31));  // 61 s after the entry's time: expired
  EXPECT_TRUE(store_.Snapshot("g")->empty());
}

TEST_F(SeriesStoreTest, LoggedRetryOfAnAnsweredKeyChangesNothing) {
  const PushTag tag{"k", {200, "text/plain", ""}, clock_.Now() + std::chrono::minutes(1)};
  ASSERT_TRUE(store_.ApplyLogged("g", clock_.Now(), Counter(4), tag).ok());
  ASSERT_TRUE(store_.ApplyLogged("g", clock_.Now(), Counter(4), tag).ok());
  EXPECT_EQ(Value("c_total"), 4);
  EXPECT_EQ(store_.ClaimIdempotencyKey("g", "k", std::chrono::minutes(1), nullptr).state,
            IdempotencyCache::State::kDone);
}

TEST_F(SeriesStoreTest, MatchingListsWhatADeleteWouldRemoveWithoutRemovingIt) {
  ASSERT_TRUE(store_.Apply("g", Counter(1, {{"x", "1"}})).ok());
  ASSERT_TRUE(store_.Apply("g", Counter(1, {{"x", "2"}})).ok());
  const model::Selector x1 = model::Selector::HavingAll({{"x", "1"}});
  auto matching = store_.Matching("g", std::span(&x1, 1));
  ASSERT_TRUE(matching.ok());
  ASSERT_EQ(matching->size(), 1u);
  EXPECT_EQ((*matching)[0].family, "c_total");
  EXPECT_EQ((*matching)[0].labels, (model::Labels{{"x", "1"}}));
  EXPECT_EQ(SeriesCount(), 2u);
}

}  // namespace
}  // namespace accumulator::store
