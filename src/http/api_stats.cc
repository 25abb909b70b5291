#include "http/api_stats.h"

namespace accumulator::http {
namespace {

// Bounds the memory of "already logged" conflict keys.
constexpr std::size_t kMaxLoggedConflicts = 10'000;

}  // namespace

void ApiStats::CountPush(std::string_view group, std::string_view reason) {
  const std::pair<std::string, std::string> key(group, reason);
  {
    ReaderLock lock(mu_);
    auto it = pushes_.find(key);
    if (it != pushes_.end()) {
      it->second->fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  MutexLock lock(mu_);
  auto& counter = pushes_[key];
  if (!counter) counter = std::make_unique<std::atomic<std::uint64_t>>(0);
  counter->fetch_add(1, std::memory_order_relaxed);
}

void ApiStats::CountScrape(double seconds) {
  scrapes_.fetch_add(1, std::memory_order_relaxed);
  scrape_micros_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void ApiStats::CountReload(bool ok) {
  (ok ? reloads_ok_ : reloads_failed_).fetch_add(1);
  last_reload_ok_ = ok;
}

bool ApiStats::CountExpositionConflict(std::string_view family, std::string_view group) {
  conflicts_.fetch_add(1, std::memory_order_relaxed);
  MutexLock lock(mu_);
  if (logged_conflicts_.size() >= kMaxLoggedConflicts) return false;
  return logged_conflicts_.insert(std::string(group) + "/" + std::string(family)).second;
}

std::vector<model::Family> ApiStats::Families() const {
  using model::MetricType;
  model::Family accepted{"metrics_accumulator_pushes_accepted_total",
                         MetricType::kCounter,
                         "Pushes applied, by metric group.",
                         {}};
  model::Family rejected{"metrics_accumulator_pushes_rejected_total",
                         MetricType::kCounter,
                         "Pushes refused, by metric group (\"\" when unknown) and reason.",
                         {}};
  {
    ReaderLock lock(mu_);
    for (const auto& [key, counter] : pushes_) {
      const auto v = static_cast<double>(counter->load(std::memory_order_relaxed));
      if (key.second == "ok") {
        accepted.series.push_back(model::ScalarSeries({{"group", key.first}}, v));
      } else {
        rejected.series.push_back(
            model::ScalarSeries({{"group", key.first}, {"reason", key.second}}, v));
      }
    }
  }
  model::Family scrape{"metrics_accumulator_scrape_duration_seconds",
                       MetricType::kSummary,
                       "Time spent answering scrapes of /metrics and /metrics/{group}.",
                       {}};
  scrape.series.push_back(
      model::Series{{},
                    model::SummaryValue{{},
                                        static_cast<double>(scrape_micros_.load()) / 1e6,
                                        static_cast<double>(scrapes_.load())},
                    {}});
  model::Family reloads{"metrics_accumulator_config_reloads_total",
                        MetricType::kCounter,
                        "Configuration reloads, by result.",
                        {}};
  reloads.series.push_back(
      model::ScalarSeries({{"result", "failure"}}, static_cast<double>(reloads_failed_)));
  reloads.series.push_back(
      model::ScalarSeries({{"result", "success"}}, static_cast<double>(reloads_ok_)));
  model::Family last_ok{"metrics_accumulator_config_last_reload_successful",
                        MetricType::kGauge,
                        "1 if the last configuration reload succeeded.",
                        {}};
  last_ok.series.push_back(model::ScalarSeries({}, last_reload_ok_ ? 1 : 0));
  model::Family conflicts{"metrics_accumulator_exposition_conflicts_total",
                          MetricType::kCounter,
                          "Series or families left out of /metrics because an earlier group "
                          "holds the same name with another type or the same series.",
                          {}};
  conflicts.series.push_back(model::ScalarSeries({}, static_cast<double>(conflicts_.load())));
  std::vector<model::Family> out;
  if (!accepted.series.empty()) out.push_back(std::move(accepted));
  if (!rejected.series.empty()) out.push_back(std::move(rejected));
  out.push_back(std::move(scrape));
  out.push_back(std::move(reloads));
  out.push_back(std::move(last_ok));
  out.push_back(std::move(conflicts));
  return out;
}

}  // namespace accumulator::http
