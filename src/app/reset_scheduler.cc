#include "app/reset_scheduler.h"

#include <set>

namespace accumulator::app {

std::vector<ResetScheduler::DueReset> ResetScheduler::Due(const config::Config& config,
                                                          TimePoint now) {
  std::vector<DueReset> due;
  std::set<std::string> scheduled;
  for (const config::GroupConfig& group : config.groups) {
    if (!group.restart_cron) continue;
    scheduled.insert(group.name);
    Entry& entry = entries_[group.name];
    if (entry.expression != group.restart_cron->expression()) {
      entry.expression = group.restart_cron->expression();
      entry.next = group.restart_cron->NextAfter(now);
      continue;
    }
    if (entry.next && now >= *entry.next) {
      due.push_back({group.name, *entry.next});
      entry.next = group.restart_cron->NextAfter(now);
    }
  }
  std::erase_if(entries_, [&](const auto& kv) { return !scheduled.contains(kv.first); });
  return due;
}

}  // namespace accumulator::app
