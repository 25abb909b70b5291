#include "store/series_store.h"

#include <algorithm>
#include <functional>
#include <set>

namespace accumulator::store {

SeriesStore::SeriesStore(const Clock& clock) : clock_(clock) {}
SeriesStore::~SeriesStore() = default;

void SeriesStore::Configure(const std::vector<GroupSettings>& groups) {
  MutexLock lock(groups_mu_);
  std::map<std::string, std::shared_ptr<Group>, std::less<>> next;
  for (const GroupSettings& settings : groups) {
    auto it = groups_.find(settings.name);
    std::shared_ptr<Group> group = it != groups_.end() ? it->second : std::make_shared<Group>();
    group->name = settings.name;
    group->max_series = settings.max_series;
    group->ttl_seconds = settings.ttl.count();
    next.emplace(settings.name, std::move(group));
  }
  groups_ = std::move(next);
}

bool SeriesStore::HasGroup(std::string_view group) const { return FindGroup(group) != nullptr; }

std::shared_ptr<SeriesStore::Group> SeriesStore::FindGroup(std::string_view name) const {
  ReaderLock lock(groups_mu_);
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second;
}

std::size_t SeriesStore::ShardOf(std::string_view family) {
  return std::hash<std::string_view>{}(family) % kShards;
}

bool SeriesStore::IsExpired(const Group& group, const StoredSeries& series, TimePoint now) {
  const std::int64_t ttl = group.ttl_seconds.load(std::memory_order_relaxed);
  return ttl > 0 && now - series.last_push > std::chrono::seconds(ttl);
}

Status SeriesStore::Apply(std::string_view group_name, const model::Push& push) {
  std::shared_ptr<Group> group = FindGroup(group_name);
  if (!group) return Status::NotFound("unknown metric group \"" + std::string(group_name) + "\"");

  // Values are checked before any lock is taken: most bad pushes never contend.
  for (const model::Family& family : push.families) {
    for (const model::Series& series : family.series) {
      if (Status s = CheckPushed(family, series); !s.ok()) return s;
    }
  }

  std::set<std::size_t> shard_ids;
  for (const model::Family& family : push.families) shard_ids.insert(ShardOf(family.name));
  // Locks in ascending index order, so concurrent pushes cannot deadlock.
  for (std::size_t id : shard_ids) group->shards[id].mu.Lock();
  Status status = ApplyLocked(*group, push, clock_.Now());
  for (std::size_t id : shard_ids) group->shards[id].mu.Unlock();
  return status;
}

// Runs with every shard that `push` touches locked.
Status SeriesStore::ApplyLocked(Group& group, const model::Push& push, TimePoint now) {
  // Phase 1: validate against stored state and count new series. Nothing changes yet.
  std::size_t new_series = 0;
  for (const model::Family& family : push.families) {
    Shard& shard = group.shards[ShardOf(family.name)];
    auto fit = shard.families.find(family.name);
    if (fit != shard.families.end()) {
      const StoredFamily& stored = fit->second;
      if (stored.type != family.type) {
        const bool has_live =
            std::any_of(stored.series.begin(), stored.series.end(),
                        [&](const auto& kv) { return !IsExpired(group, kv.second, now); });
        if (has_live) {
          return Status::Conflict("metric \"" + family.name + "\" is stored as " +
                                  std::string(TypeName(stored.type)) + ", push has " +
                                  std::string(TypeName(family.type)));
        }
      }
    }
    for (const model::Series& series : family.series) {
      const StoredSeries* stored = nullptr;
      if (fit != shard.families.end() && fit->second.type == family.type) {
        auto sit = fit->second.series.find(series.labels);
        if (sit != fit->second.series.end()) stored = &sit->second;
      }
      if (stored == nullptr) {
        ++new_series;
      } else if (!IsExpired(group, *stored, now)) {
        if (Status s = CheckCompatible(family, stored->value, series); !s.ok()) return s;
      }
    }
  }

  // Phase 2: reserve room for the new series against the group's limit.
  const std::size_t max = group.max_series.load();
  std::size_t current = group.series_count.load();
  do {
    if (new_series > 0 && current + new_series > max) {
      return Status::ResourceExhausted("push would create " + std::to_string(new_series) +
                                       " new series; metric group \"" + group.name + "\" holds " +
                                       std::to_string(current) + " of its maxTimeSeries " +
                                       std::to_string(max));
    }
  } while (!group.series_count.compare_exchange_weak(current, current + new_series));

  // Phase 3: apply. Nothing below can fail.
  for (const model::Family& family : push.families) {
    Shard& shard = group.shards[ShardOf(family.name)];
    StoredFamily& stored = shard.families[family.name];
    if (stored.type != family.type) {
      // Only expired series can be here (phase 1); they go with the old type.
      group.series_count -= stored.series.size();
      group.expired += stored.series.size();
      stored.series.clear();
      stored.type = family.type;
    }
    if (!family.help.empty()) stored.help = family.help;
    for (const model::Series& series : family.series) {
      auto [it, inserted] = stored.series.try_emplace(series.labels);
      if (inserted || IsExpired(group, it->second, now)) {
        // An expired series that was not swept yet starts afresh, as if it were new.
        if (!inserted) ++group.expired;
        it->second.value = FromPushed(series);
      } else {
        Merge(family.type, it->second.value, series);
      }
      it->second.last_push = now;
    }
  }
  group.last_push = now.time_since_epoch().count();
  return Status::Ok();
}

Result<std::vector<model::Family>> SeriesStore::Snapshot(std::string_view group_name) const {
  std::shared_ptr<Group> group = FindGroup(group_name);
  if (!group) return Status::NotFound("unknown metric group \"" + std::string(group_name) + "\"");
  const TimePoint now = clock_.Now();
  std::vector<model::Family> out;
  for (const Shard& shard : group->shards) {
    ReaderLock lock(shard.mu);
    for (const auto& [name, stored] : shard.families) {
      model::Family family;
      family.name = name;
      family.type = stored.type;
      family.help = stored.help;
      for (const auto& [labels, series] : stored.series) {
        if (IsExpired(*group, series, now)) continue;  // lazy expiry: never shown
        family.series.push_back(model::Series{labels, series.value.value, {}});
      }
      if (!family.series.empty()) out.push_back(std::move(family));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const model::Family& a, const model::Family& b) { return a.name < b.name; });
  return out;
}

Status SeriesStore::Reset(std::string_view group_name) {
  std::shared_ptr<Group> group = FindGroup(group_name);
  if (!group) return Status::NotFound("unknown metric group \"" + std::string(group_name) + "\"");
  for (Shard& shard : group->shards) {
    MutexLock lock(shard.mu);
    std::size_t removed = 0;
    for (const auto& [name, family] : shard.families) removed += family.series.size();
    shard.families.clear();
    group->series_count -= removed;
  }
  ++group->resets;
  return Status::Ok();
}

Result<std::size_t> SeriesStore::DeleteMatching(std::string_view group_name,
                                                const SeriesPredicate& matches) {
  std::shared_ptr<Group> group = FindGroup(group_name);
  if (!group) return Status::NotFound("unknown metric group \"" + std::string(group_name) + "\"");
  std::size_t deleted = 0;
  for (Shard& shard : group->shards) {
    MutexLock lock(shard.mu);
    std::size_t removed = 0;
    for (auto fit = shard.families.begin(); fit != shard.families.end();) {
      const std::string& family = fit->first;
      removed += std::erase_if(fit->second.series,
                               [&](const auto& kv) { return matches(family, kv.first); });
      fit = fit->second.series.empty() ? shard.families.erase(fit) : std::next(fit);
    }
    group->series_count -= removed;
    deleted += removed;
  }
  return deleted;
}

std::size_t SeriesStore::ExpireIdle() {
  std::vector<std::shared_ptr<Group>> groups;
  {
    ReaderLock lock(groups_mu_);
    for (const auto& [name, group] : groups_) groups.push_back(group);
  }
  const TimePoint now = clock_.Now();
  std::size_t dropped = 0;
  for (const auto& group : groups) {
    if (group->ttl_seconds.load() <= 0) continue;
    for (Shard& shard : group->shards) {
      MutexLock lock(shard.mu);
      std::size_t removed = 0;
      for (auto fit = shard.families.begin(); fit != shard.families.end();) {
        removed += std::erase_if(fit->second.series,
                                 [&](const auto& kv) { return IsExpired(*group, kv.second, now); });
        fit = fit->second.series.empty() ? shard.families.erase(fit) : std::next(fit);
      }
      group->series_count -= removed;
      group->expired += removed;
      dropped += removed;
    }
  }
  return dropped;
}

Result<GroupStats> SeriesStore::Stats(std::string_view group_name) const {
  std::shared_ptr<Group> group = FindGroup(group_name);
  if (!group) return Status::NotFound("unknown metric group \"" + std::string(group_name) + "\"");
  GroupStats stats;
  stats.series = group->series_count.load();
  stats.last_push = TimePoint(TimePoint::duration(group->last_push.load()));
  stats.expired_series = group->expired.load();
  stats.resets = group->resets.load();
  return stats;
}

}  // namespace accumulator::store
