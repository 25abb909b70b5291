// GET /metrics and GET /metrics/{group} (SPEC §3.1, §3.4).

#include <chrono>
#include <map>

#include "common/log.h"
#include "expose/content_type.h"
#include "expose/openmetrics_writer.h"
#include "expose/text_writer.h"
#include "http/api.h"
#include "http/gzip.h"
#include "http/status_to_http.h"

namespace accumulator::http {
namespace {

model::Series Sample(model::Labels labels, double value) {
  return model::Series{std::move(labels), model::ScalarValue{value}, {}};
}

}  // namespace

Response Api::ScrapeResponse(const Request& request, const std::vector<model::Family>& families,
                             TimePoint started) {
  Response r;
  const std::string* accept = request.Header("accept");
  const auto format = expose::NegotiateScrapeFormat(accept != nullptr ? *accept : "");
  r.content_type = std::string(expose::ContentTypeOf(format));
  if (format == expose::ScrapeFormat::kOpenMetrics) {
    expose::WriteOpenMetrics(families, r.body);
  } else {
    expose::WriteText(families, r.body);
  }
  const std::string* accept_encoding = request.Header("accept-encoding");
  if (accept_encoding != nullptr && AcceptsGzip(*accept_encoding)) {
    r.body = GzipCompress(r.body);
    r.headers.emplace_back("Content-Encoding", "gzip");
  }
  r.headers.emplace_back("Vary", "Accept, Accept-Encoding");
  stats_.CountScrape(std::chrono::duration<double>(clock_.Now() - started).count());
  return r;
}

bool MayRead(const Request& request, const config::GroupConfig& group,
             const config::Config& config) {
  if (!group.read_api_key) return true;
  auto key = PresentedKey(request);
  if (!key.ok() || !*key) return false;
  const std::string& k = **key;
  // Every comparison runs, so the time taken does not tell which key came close.
  const bool read = KeysEqual(k, *group.read_api_key);
  const bool write = group.api_key && KeysEqual(k, *group.api_key);
  const bool admin = config.admin_api_key && KeysEqual(k, *config.admin_api_key);
  return read || write || admin;
}

Response Api::HandleGroupScrape(const Request& request, std::string_view group) {
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
  auto families = store_.Snapshot(group);
  if (!families.ok())
    return Response::Text(HttpStatusOf(families.status()), families.status().message());
  return ScrapeResponse(request, *families, started);
}

Response Api::HandleScrapeAll(const Request& request) {
  const TimePoint started = clock_.Now();
  const auto config = config_.Get();
  std::map<std::string, model::Family> merged;
  // Groups in config order: where two disagree, the one listed first wins (SPEC §3.4).
  for (const config::GroupConfig& group : config->groups) {
    // A group with a readApiKey is left out unless the scrape carries its key.
    if (!group.display_metrics || !MayRead(request, group, *config)) continue;
    auto families = store_.Snapshot(group.name);
    if (!families.ok()) continue;  // dropped by a reload in between
    for (model::Family& family : *families) {
      auto [it, inserted] = merged.try_emplace(family.name);
      if (inserted) {
        it->second = std::move(family);
        continue;
      }
      model::Family& kept = it->second;
      const auto conflict = [&](const std::string& why) {
        if (stats_.CountExpositionConflict(family.name, group.name)) {
          log::Warn("/metrics leaves out " + why + " of metric group \"" + group.name +
                    "\": an earlier group already exposes it");
        }
      };
      if (kept.type != family.type) {
        conflict("family \"" + family.name + "\" (type " + std::string(TypeName(family.type)) +
                 ")");
        continue;
      }
      // Both are sorted by labels (Snapshot's order): one merge pass finds the series
      // the earlier group already has, without a set of every label set seen.
      std::vector<model::Series> both;
      both.reserve(kept.series.size() + family.series.size());
      auto k = kept.series.begin();
      auto f = family.series.begin();
      while (k != kept.series.end() || f != family.series.end()) {
        if (f == family.series.end() || (k != kept.series.end() && k->labels < f->labels)) {
          both.push_back(std::move(*k++));
        } else if (k == kept.series.end() || f->labels < k->labels) {
          both.push_back(std::move(*f++));
        } else {
          conflict("series " + model::DescribeSeries(family.name, f->labels));
          both.push_back(std::move(*k++));
          ++f;
        }
      }
      kept.series = std::move(both);
    }
  }
  // The server's own families are added last, so this scrape's conflicts are counted,
  // and they replace any pushed family of the same name.
  for (model::Family& f : SelfMetrics(*config)) {
    auto [it, inserted] = merged.try_emplace(f.name);
    if (!inserted && stats_.CountExpositionConflict(f.name, "")) {
      log::Warn("/metrics leaves out pushed family \"" + f.name +
                "\": the name belongs to the server's own metrics");
    }
    it->second = std::move(f);
  }
  std::vector<model::Family> out;
  out.reserve(merged.size());
  for (auto& [name, family] : merged) out.push_back(std::move(family));
  return ScrapeResponse(request, out, started);
}

std::vector<model::Family> Api::SelfMetrics(const config::Config& config) const {
  using model::MetricType;
  std::vector<model::Family> out = stats_.Families();
  model::Family build{"metrics_accumulator_build_info",
                      MetricType::kGauge,
                      "Version of this metrics-accumulator; always 1.",
                      {}};
  build.series.push_back(Sample({{"version", options_.version}}, 1));
  model::Family start{"metrics_accumulator_start_time_seconds",
                      MetricType::kGauge,
                      "Unix time the server started.",
                      {}};
  start.series.push_back(Sample({}, ToUnixSeconds(options_.start_time)));
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
  ready.series.push_back(Sample({}, ready_ ? 1 : 0));
  for (const config::GroupConfig& group : config.groups) {
    auto stats = store_.Stats(group.name);
    if (!stats.ok()) continue;
    const model::Labels labels{{"group", group.name}};
    series.series.push_back(Sample(labels, static_cast<double>(stats->series)));
    limit.series.push_back(Sample(labels, static_cast<double>(group.max_time_series)));
    expired.series.push_back(Sample(labels, static_cast<double>(stats->expired_series)));
    resets.series.push_back(Sample(labels, static_cast<double>(stats->resets)));
    if (stats->last_push.time_since_epoch().count() != 0) {
      last_push.series.push_back(Sample(labels, ToUnixSeconds(stats->last_push)));
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
