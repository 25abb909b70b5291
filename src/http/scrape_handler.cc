#include "http/scrape_handler.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>

#include "common/log.h"
#include "expose/content_type.h"
#include "expose/writer.h"
#include "http/auth.h"
#include "http/gzip.h"
#include "http/status_to_http.h"

namespace accumulator::http {
namespace {

// Adds `series` to `kept`, both sorted by labels (the store's order), in one merge
// pass; a series `kept` already has stays, and `on_conflict` hears of the other.
void MergeSeries(model::Family& kept, std::vector<model::Series> series,
                 const std::function<void(const model::Labels&)>& on_conflict) {
  std::vector<model::Series> both;
  both.reserve(kept.series.size() + series.size());
  auto k = kept.series.begin();
  auto f = series.begin();
  while (k != kept.series.end() || f != series.end()) {
    if (f == series.end() || (k != kept.series.end() && k->labels < f->labels)) {
      both.push_back(std::move(*k++));
    } else if (k == kept.series.end() || f->labels < k->labels) {
      both.push_back(std::move(*f++));
    } else {
      on_conflict(f->labels);
      both.push_back(std::move(*k++));
      ++f;
    }
  }
  kept.series = std::move(both);
}

// Whether the family still holds a live series, looking in bounded steps.
bool HasLiveSeries(const store::Store& store, const std::string& group,
                   const store::FamilyInfo& family) {
  constexpr std::size_t kSeriesPerStep = 1024;
  store::VisitCursor cursor;
  while (!cursor.done) {
    if (store.VisitFamilyStep(
            group, family.name, family.type, [](auto, const auto&) {}, cursor, kSeriesPerStep) >
        0) {
      return true;
    }
  }
  return false;
}

}  // namespace

// One scrape's body, made a piece at a time while the connection sends it. Families are
// written in the order they are added: those of one group straight from the store, a
// bounded step at a time, so that no shard stays locked while the client reads,
// however slowly; the others (the server's own, and families several groups hold)
// from copies made when the scrape began.
class ScrapeBody {
 public:
  ScrapeBody(const store::Store& store, ApiStats& stats, const Clock& clock, TimePoint started)
      : store_(store), stats_(stats), clock_(clock), started_(started) {}
  ~ScrapeBody() { CountOnce(); }
  ScrapeBody(const ScrapeBody&) = delete;
  ScrapeBody& operator=(const ScrapeBody&) = delete;

  void AddCopy(model::Family family) { parts_.push_back(Part{std::move(family), {}, {}}); }
  void AddStored(std::string group, store::FamilyInfo info) {
    parts_.push_back(Part{std::nullopt, std::move(group), std::move(info)});
  }

  // Before the first Next.
  void Start(expose::ScrapeFormat format, bool gzip) {
    writer_.emplace(format, text_);
    if (gzip) gzip_.emplace();
  }

  // Response::body_source.
  bool Next(std::string& piece) {
    while (text_.size() < kPieceBytes && at_ < parts_.size()) WriteSome(parts_[at_]);
    const bool last = at_ == parts_.size();
    if (last) writer_->Finish();
    if (gzip_) {
      gzip_->Add(text_, last, piece);
      text_.clear();
    } else {
      piece.swap(text_);  // the two buffers take turns, so neither is allocated again
      text_.clear();
    }
    if (last) CountOnce();
    return !last;
  }

 private:
  // Large enough that a 1M-series scrape is a few hundred writes; small enough that
  // formatting the next piece overlaps the client reading this one.
  static constexpr std::size_t kPieceBytes = std::size_t{256} * 1024;
  // Series per hold of a shard's lock (about 0.1 ms of formatting).
  static constexpr std::size_t kSeriesPerStep = 1024;

  struct Part {
    std::optional<model::Family> copy;
    std::string group;  // else: this family of this group, from the store
    store::FamilyInfo info;
  };

  void WriteSome(const Part& part) {
    if (part.copy) {
      writer_->AddFamily(*part.copy);
      ++at_;
      return;
    }
    if (!begun_) {
      writer_->BeginFamily(part.info.name, part.info.type, part.info.help);
      begun_ = true;
    }
    store_.VisitFamilyStep(
        part.group, part.info.name, part.info.type,
        [this](std::span<const model::LabelRef> labels, const model::Value& value) {
          writer_->AddSeries(labels, value);
        },
        cursor_, kSeriesPerStep);
    if (cursor_.done) {
      ++at_;
      cursor_ = {};
      begun_ = false;
    }
  }

  void CountOnce() {
    if (counted_) return;
    counted_ = true;
    stats_.CountScrape(std::chrono::duration<double>(clock_.Now() - started_).count());
  }

  const store::Store& store_;
  ApiStats& stats_;
  const Clock& clock_;
  const TimePoint started_;
  std::vector<Part> parts_;
  std::size_t at_ = 0;  // the part being written
  bool begun_ = false;  // whether its family has begun
  store::VisitCursor cursor_;
  std::string text_;  // exposition text not yet handed out
  std::optional<expose::ExpositionWriter> writer_;
  std::optional<GzipStream> gzip_;
  bool counted_ = false;
};

Response ScrapeHandler::Stream(const Request& request, std::shared_ptr<ScrapeBody> body) const {
  Response r;
  const std::string* accept = request.Header("accept");
  const auto format = expose::NegotiateScrapeFormat(accept != nullptr ? *accept : "");
  r.content_type = std::string(expose::ContentTypeOf(format));
  const std::string* accept_encoding = request.Header("accept-encoding");
  const bool gzip = accept_encoding != nullptr && AcceptsGzip(*accept_encoding);
  if (gzip) r.headers.emplace_back("Content-Encoding", "gzip");
  r.headers.emplace_back("Vary", "Accept, Accept-Encoding");
  body->Start(format, gzip);
  r.body_source = [body = std::move(body)](std::string& piece) { return body->Next(piece); };
  return r;
}

Response ScrapeHandler::Group(const Request& request, std::string_view group) const {
  const TimePoint started = clock_.Now();
  const auto config = config_.Get();
  if (const config::GroupConfig* g = config->FindGroup(group);
      g != nullptr && !MayRead(request, *g, *config)) {
    Response r = Response::Text(401, "reading metric group \"" + g->name +
                                         "\" needs its readApiKey (X-API-KEY or "
                                         "Authorization: Bearer)");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  auto families = store_.Families(group);
  if (!families.ok())
    return Response::Text(HttpStatusOf(families.status()), families.status().message());
  auto body = std::make_shared<ScrapeBody>(store_, stats_, clock_, started);
  for (store::FamilyInfo& info : *families) body->AddStored(std::string(group), std::move(info));
  return Stream(request, std::move(body));
}

Response ScrapeHandler::All(const Request& request) const {
  const TimePoint started = clock_.Now();
  const auto config = config_.Get();
  // Every family name that /metrics may show, with the groups that hold it in config
  // order (where two disagree, the one listed first wins, SPEC §3.4).
  struct Source {
    const std::string* group;
    store::FamilyInfo info;
  };
  struct Entry {
    std::vector<Source> pushed;
    std::optional<model::Family> merged;  // when several groups hold the family
    model::Family* own = nullptr;         // the server's own family of this name
  };
  std::map<std::string, Entry, std::less<>> plan;
  for (const config::GroupConfig& group : config->groups) {
    // A group with a readApiKey is left out unless the scrape carries its key.
    if (!group.display_metrics || !MayRead(request, group, *config)) continue;
    auto families = store_.Families(group.name);
    if (!families.ok()) continue;  // dropped by a reload in between
    for (store::FamilyInfo& info : *families) {
      std::string name = info.name;
      plan[name].pushed.push_back(Source{&group.name, std::move(info)});
    }
  }
  const auto conflict = [&](const std::string& family, const std::string& group,
                            const std::string& what) {
    if (stats_.CountExpositionConflict(family, group)) {
      log::Warn("/metrics leaves out " + what + " of metric group \"" + group +
                "\": an earlier group already exposes it");
    }
  };
  // Families several groups hold are copied and merged first, so that this scrape's
  // conflicts are in the server's own metrics below. (One group: streamed, no copy.)
  for (auto& [family_name, entry] : plan) {
    if (entry.pushed.size() < 2) continue;
    const std::string& name = family_name;  // a lambda below may not capture a binding
    for (const Source& source : entry.pushed) {
      auto family = store_.SnapshotFamily(*source.group, source.info);
      if (!family) continue;
      if (!entry.merged) {
        entry.merged = std::move(family);
      } else if (entry.merged->type != family->type) {
        conflict(name, *source.group,
                 "family \"" + name + "\" (type " + std::string(TypeName(family->type)) + ")");
      } else {
        MergeSeries(*entry.merged, std::move(family->series), [&](const model::Labels& labels) {
          conflict(name, *source.group, "series " + model::DescribeSeries(name, labels));
        });
      }
    }
  }
  // The server's own families replace any pushed family of the same name.
  std::vector<model::Family> own = SelfMetrics(*config);
  for (model::Family& family : own) {
    Entry& entry = plan[family.name];
    entry.own = &family;
    const bool shadows =
        entry.merged.has_value() ||
        std::any_of(entry.pushed.begin(), entry.pushed.end(),
                    [&](const Source& s) { return HasLiveSeries(store_, *s.group, s.info); });
    if (shadows && stats_.CountExpositionConflict(family.name, "")) {
      log::Warn("/metrics leaves out pushed family \"" + family.name +
                "\": the name belongs to the server's own metrics");
    }
  }
  auto body = std::make_shared<ScrapeBody>(store_, stats_, clock_, started);
  for (auto& [name, entry] : plan) {
    if (entry.own != nullptr) {
      body->AddCopy(std::move(*entry.own));
    } else if (entry.merged) {
      body->AddCopy(std::move(*entry.merged));
    } else if (entry.pushed.size() == 1) {
      body->AddStored(*entry.pushed.front().group, std::move(entry.pushed.front().info));
    }
  }
  return Stream(request, std::move(body));
}

std::vector<model::Family> ScrapeHandler::SelfMetrics(const config::Config& config) const {
  using model::MetricType;
  std::vector<model::Family> out = stats_.Families();
  model::Family build{"metrics_accumulator_build_info",
                      MetricType::kGauge,
                      "Version of this metrics-accumulator; always 1.",
                      {}};
  build.series.push_back(model::ScalarSeries({{"version", options_.version}}, 1));
  model::Family start{"metrics_accumulator_start_time_seconds",
                      MetricType::kGauge,
                      "Unix time the server started.",
                      {}};
  start.series.push_back(model::ScalarSeries({}, ToUnixSeconds(options_.start_time)));
  model::Family series{
      "metrics_accumulator_series", MetricType::kGauge, "Series stored, by metric group.", {}};
  model::Family limit{"metrics_accumulator_series_limit",
                      MetricType::kGauge,
                      "maxTimeSeries of each metric group.",
                      {}};
  model::Family expired{"metrics_accumulator_series_expired_total",
                        MetricType::kCounter,
                        "Series dropped after their group's seriesTtl without a push.",
                        {}};
  model::Family resets{"metrics_accumulator_group_resets_total",
                       MetricType::kCounter,
                       "Group wipes by restartCronExpression or the reset endpoint.",
                       {}};
  model::Family last_push{"metrics_accumulator_last_push_timestamp_seconds",
                          MetricType::kGauge,
                          "Unix time of the last accepted push, by metric group.",
                          {}};
  model::Family ready{"metrics_accumulator_ready",
                      MetricType::kGauge,
                      "1 once configuration and stored state are loaded.",
                      {}};
  ready.series.push_back(model::ScalarSeries({}, ready_ ? 1 : 0));
  for (const config::GroupConfig& group : config.groups) {
    auto stats = store_.Stats(group.name);
    if (!stats.ok()) continue;
    const model::Labels labels{{"group", group.name}};
    series.series.push_back(model::ScalarSeries(labels, static_cast<double>(stats->series)));
    limit.series.push_back(model::ScalarSeries(labels, static_cast<double>(group.max_time_series)));
    expired.series.push_back(
        model::ScalarSeries(labels, static_cast<double>(stats->expired_series)));
    resets.series.push_back(model::ScalarSeries(labels, static_cast<double>(stats->resets)));
    if (stats->last_push.time_since_epoch().count() != 0) {
      last_push.series.push_back(model::ScalarSeries(labels, ToUnixSeconds(stats->last_push)));
    }
  }
  for (model::Family* f :
       {&build, &start, &series, &limit, &expired, &resets, &last_push, &ready}) {
    if (!f->series.empty()) out.push_back(std::move(*f));
  }
  if (options_.extra_self_metrics) {
    for (model::Family& f : options_.extra_self_metrics()) out.push_back(std::move(f));
  }
  return out;
}

}  // namespace accumulator::http
