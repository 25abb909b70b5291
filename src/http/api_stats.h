#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "model/metric.h"

namespace accumulator::http {

// Counters of what the API did, exposed as the server's own metrics on /metrics.
// Thread-safe; the push path touches only atomics after the first push of a group.
class ApiStats {
 public:
  // `group` must be a configured group name or "" (unknown group: kept apart so a
  // caller cannot create label values at will).
  void CountPush(std::string_view group, std::string_view reason);  // reason "ok" = accepted
  void CountScrape(double seconds);
  void CountReload(bool ok);
  // Returns true the first time this (family, group) conflict is seen, so it is logged once.
  bool CountExpositionConflict(std::string_view family, std::string_view group);

  // The counters as metric families (pushes, scrapes, reloads, conflicts).
  std::vector<model::Family> Families() const;

 private:
  mutable Mutex mu_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<std::atomic<std::uint64_t>>> pushes_
      MA_GUARDED_BY(mu_);
  std::set<std::string> logged_conflicts_ MA_GUARDED_BY(mu_);
  std::atomic<std::uint64_t> scrapes_{0};
  std::atomic<std::uint64_t> scrape_micros_{0};
  std::atomic<std::uint64_t> reloads_ok_{0};
  std::atomic<std::uint64_t> reloads_failed_{0};
  std::atomic<bool> last_reload_ok_{true};
  std::atomic<std::uint64_t> conflicts_{0};
};

}  // namespace accumulator::http
