#include "store/series_store.h"

#include <algorithm>
#include <bitset>
#include <functional>
#include <future>
#include <iterator>
#include <limits>

#include "common/log.h"

namespace accumulator::store {

SeriesStore::SeriesStore(const Clock& clock, std::size_t idempotency_keys)
    : clock_(clock), idempotency_(clock, idempotency_keys) {}
SeriesStore::~SeriesStore() = default;

void SeriesStore::SetJournal(Journal* journal) { journal_ = journal; }

const SeriesStore::WriterState* SeriesStore::StoredSeries::FindWriter(
    std::string_view writer) const {
  if (!extra) return nullptr;
  auto it = extra->writers.find(writer);
  return it == extra->writers.end() ? nullptr : &it->second;
}

SeriesStore::WriterMap& SeriesStore::StoredSeries::Writers() {
  if (!extra) extra = std::make_unique<Extra>();
  return extra->writers;
}

void SeriesStore::StoredSeries::ClearWriters() {
  if (!extra) return;
  extra->writers.clear();
  DropEmptyExtra();
}

void SeriesStore::StoredSeries::DropEmptyExtra() {
  if (extra && !extra->shaped && !extra->latest && extra->writers.empty()) extra.reset();
}

StoredValue SeriesStore::StoredSeries::Value() const {
  return StoredValue{PlainValue(), extra ? extra->latest : std::nullopt};
}

model::Value SeriesStore::StoredSeries::PlainValue() const {
  if (const model::Value* v = Shaped()) return *v;
  return model::ScalarValue{scalar};
}

StoredValue SeriesStore::StoredSeries::TakeValue() {
  if (!extra) return StoredValue{model::ScalarValue{scalar}, std::nullopt};
  StoredValue out{
      extra->shaped ? std::move(*extra->shaped) : model::Value(model::ScalarValue{scalar}),
      extra->latest};
  extra->shaped.reset();
  return out;
}

void SeriesStore::StoredSeries::SetValue(StoredValue value) {
  if (const auto* s = std::get_if<model::ScalarValue>(&value.value)) {
    scalar = s->value;
    if (extra) extra->shaped.reset();
  } else {
    if (!extra) extra = std::make_unique<Extra>();
    extra->shaped = std::move(value.value);
  }
  if (value.latest && !extra) extra = std::make_unique<Extra>();
  if (extra) extra->latest = value.latest;
  DropEmptyExtra();
}

void SeriesStore::LockAll(Group& group) {
  for (Shard& shard : group.shards) shard.mu.Lock();
}

void SeriesStore::UnlockAll(Group& group) {
  for (Shard& shard : group.shards) shard.mu.Unlock();
}

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
  Journal* journal = journal_.load();
  for (const auto& [name, group] : groups_) {
    if (next.contains(name)) continue;
    // Pushes that found the group before it went must not land after the drop record.
    LockAll(*group);
    group->dropped = true;
    if (journal != nullptr) {
      auto ticket = journal->RecordDrop(name, clock_.Now());
      if (!ticket.ok()) {
        log::Warn("the removal of metric group \"" + name +
                  "\" could not be recorded; its series may return after a restart if the "
                  "group is configured again: " +
                  ticket.status().message());
      }
    }
    UnlockAll(*group);
  }
  groups_ = std::move(next);
}

std::shared_ptr<SeriesStore::Group> SeriesStore::FindOrAddGroup(std::string_view name) {
  MutexLock lock(groups_mu_);
  auto it = groups_.find(name);
  if (it != groups_.end()) return it->second;
  auto group = std::make_shared<Group>();
  group->name = std::string(name);
  group->max_series = std::numeric_limits<std::size_t>::max();
  groups_.emplace(std::string(name), group);
  return group;
}

std::shared_ptr<SeriesStore::Group> SeriesStore::FindGroup(std::string_view name) const {
  ReaderLock lock(groups_mu_);
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second;
}

std::size_t SeriesStore::ShardOf(std::string_view family) {
  return std::hash<std::string_view>{}(family) % kShards;
}

bool SeriesStore::IsExpired(const Group& group, TimePoint last_push, TimePoint now) {
  const std::int64_t ttl = group.ttl_seconds.load(std::memory_order_relaxed);
  return ttl > 0 && now - last_push > std::chrono::seconds(ttl);
}

namespace {

// Families of other names that would expose a sample name of `family` (an untyped
// `x_sum` beside histogram `x`), with a test of whether a stored one of `type` collides.
struct Neighbour {
  std::string name;
  bool (*collides)(model::MetricType stored_type);
};

std::vector<Neighbour> NeighboursOf(const std::string& family, model::MetricType type) {
  std::vector<Neighbour> out;
  const auto any = [](model::MetricType) { return true; };
  if (type == model::MetricType::kHistogram) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) out.push_back({family + suffix, any});
  } else if (type == model::MetricType::kSummary) {
    for (const char* suffix : {"_sum", "_count"}) out.push_back({family + suffix, any});
  }
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (family.size() <= suffix.size() || !family.ends_with(suffix)) continue;
    const std::string base = family.substr(0, family.size() - suffix.size());
    if (suffix == "_bucket") {
      out.push_back({base, [](model::MetricType t) { return t == model::MetricType::kHistogram; }});
    } else {
      out.push_back({base, [](model::MetricType t) {
                       return t == model::MetricType::kHistogram ||
                              t == model::MetricType::kSummary;
                     }});
    }
  }
  return out;
}

Status NotDurable(const Status& journal_error) {
  return Status::Unavailable("the change was applied but could not be made durable: " +
                             journal_error.message());
}

bool IsCumulativeType(model::MetricType type) {
  return type == model::MetricType::kCounter || type == model::MetricType::kHistogram ||
         type == model::MetricType::kSummary;
}

}  // namespace

// Counters, the most common case, add in place; other types go through Merge.
void SeriesStore::MergeInto(model::MetricType type, StoredSeries& target,
                            const model::Series& pushed) {
  if (type == model::MetricType::kCounter) {
    target.scalar += std::get<model::ScalarValue>(pushed.value).value;
    return;
  }
  StoredValue value = target.TakeValue();
  Merge(type, value, pushed);
  target.SetValue(std::move(value));
}

Status SeriesStore::Apply(std::string_view group_name, const model::Push& push,
                          const PushTag& tag) {
  std::promise<Status> durable;
  if (Status s =
          ApplyThen(group_name, push, tag, [&durable](const Status& d) { durable.set_value(d); });
      !s.ok()) {
    return s;
  }
  return durable.get_future().get();
}

IdempotencyCache::Claim SeriesStore::ClaimIdempotencyKey(std::string_view group,
                                                         std::string_view key,
                                                         std::chrono::seconds window,
                                                         IdempotencyCache::Waiter when_durable) {
  return idempotency_.Begin(group, key, window, std::move(when_durable));
}

void SeriesStore::RememberRefusal(std::string_view group, std::string_view key,
                                  RememberedAnswer answer) {
  idempotency_.Finish(group, key, std::move(answer));
}

Status SeriesStore::ApplyThen(std::string_view group_name, const model::Push& push,
                              const PushTag& tag, DurableCallback durable) {
  std::shared_ptr<Group> group = FindGroup(group_name);
  if (!group) return Status::NotFound("unknown metric group \"" + std::string(group_name) + "\"");
  auto ticket = ApplyAt(*group, push, tag, TimePoint{}, Mode::kLive);
  if (!ticket.ok()) return ticket.status();
  // Retries of a tagged push wait in the idempotency cache until it is durable.
  auto report = [this, group = group->name, key = std::string(tag.idempotency_key),
                 durable = std::move(durable)](const Status& s) {
    if (!key.empty()) {
      if (s.ok()) {
        idempotency_.Durable(group, key, nullptr);
      } else {
        const RememberedAnswer failure{503, "text/plain; charset=utf-8",
                                       "the first push with this Idempotency-Key was applied "
                                       "but could not be made durable: " +
                                           s.message() + "\n"};
        idempotency_.Durable(group, key, &failure);
      }
    }
    durable(s);
  };
  Journal* journal = journal_.load();
  if (*ticket == 0 || journal == nullptr) {
    report(Status::Ok());
    return Status::Ok();
  }
  journal->WhenDurable(*ticket, [report = std::move(report)](const Status& s) {
    report(s.ok() ? s : NotDurable(s));
  });
  return Status::Ok();
}

Status SeriesStore::Replay(std::string_view group_name, std::chrono::seconds ttl, TimePoint at,
                           const model::Push& push, const PushTag& tag) {
  std::shared_ptr<Group> group = FindOrAddGroup(group_name);
  group->ttl_seconds = ttl.count();
  return ApplyAt(*group, push, tag, at, Mode::kReplay).status();
}

void SeriesStore::CollectMatchingLocked(const Shard& shard, std::span<const model::Selector> any_of,
                                        std::vector<SeriesRef>& out) {
  for (const auto& [family, stored] : shard.families) {
    for (const auto& [packed, series] : stored.series) {
      model::Labels labels = packed.Unpack();
      for (const model::Selector& selector : any_of) {
        if (!selector.Matches(family, labels)) continue;
        out.push_back({family, std::move(labels)});
        break;
      }
    }
  }
}

Status SeriesStore::ApplyLogged(std::string_view group_name, TimePoint at, const model::Push& push,
                                const PushTag& tag) {
  std::shared_ptr<Group> group = FindGroup(group_name);
  if (!group) return Status::NotFound("unknown metric group \"" + std::string(group_name) + "\"");
  if (!tag.idempotency_key.empty() && idempotency_.Answered(group_name, tag.idempotency_key)) {
    return Status::Ok();
  }
  return ApplyAt(*group, push, tag, at, Mode::kLogged).status();
}

Result<std::vector<SeriesRef>> SeriesStore::Matching(
    std::string_view group_name, std::span<const model::Selector> any_of) const {
  std::shared_ptr<Group> group = FindGroup(group_name);
  if (!group) return Status::NotFound("unknown metric group \"" + std::string(group_name) + "\"");
  std::vector<SeriesRef> matching;
  for (const Shard& shard : group->shards) {
    MutexLock lock(shard.mu);
    CollectMatchingLocked(shard, any_of, matching);
  }
  return matching;
}

Result<Journal::Ticket> SeriesStore::ApplyAt(Group& group, const model::Push& push,
                                             const PushTag& tag, TimePoint at, Mode mode) {
  // Values are checked before any lock is taken: most bad pushes never contend.
  for (const model::Family& family : push.families) {
    for (const model::Series& series : family.series) {
      if (Status s = CheckPushed(family, series); !s.ok()) return s;
    }
  }

  std::bitset<kShards> touched;
  for (const model::Family& family : push.families) {
    touched.set(ShardOf(family.name));
    for (const auto& neighbour : NeighboursOf(family.name, family.type)) {
      touched.set(ShardOf(neighbour.name));
    }
  }
  // Locks in ascending index order, so concurrent pushes cannot deadlock.
  for (std::size_t id = 0; id < kShards; ++id) {
    if (touched.test(id)) group.shards[id].mu.Lock();
  }
  // Live pushes take their time under the locks, so times in the journal follow the
  // order in which pushes to the same shards were applied.
  const TimePoint now = mode == Mode::kLive ? clock_.Now() : at;
  auto ticket = ApplyLocked(group, push, tag, now, mode);
  for (std::size_t id = 0; id < kShards; ++id) {
    if (touched.test(id)) group.shards[id].mu.Unlock();
  }
  return ticket;
}

Status SeriesStore::WaitDurable(Journal::Ticket ticket) {
  Journal* journal = journal_.load();
  if (ticket == 0 || journal == nullptr) return Status::Ok();
  if (Status s = journal->WaitDurable(ticket); !s.ok()) return NotDurable(s);
  return Status::Ok();
}

// Runs with every shard that `push` touches locked. Returns the journal's ticket (0 if
// nothing was recorded).
Result<Journal::Ticket> SeriesStore::ApplyLocked(Group& group, const model::Push& push,
                                                 const PushTag& tag, TimePoint now, Mode mode) {
  if (group.dropped) {
    return Status::NotFound("metric group \"" + group.name + "\" was removed by a reload");
  }
  // Phase 1: validate against stored state and count new entries (series and writer
  // states). Nothing changes yet.
  std::size_t new_series = 0;
  std::size_t freed = 0;  // entries of expired series that this push replaces
  // Where each pushed series is stored, for phase 3, per family whose series all exist
  // (an insert would move a B-tree's entries and invalidate these).
  std::vector<SeriesMap::iterator> located;
  located.reserve(push.SeriesCount());
  std::vector<bool> all_located;
  all_located.reserve(push.families.size());
  for (const model::Family& family : push.families) {
    all_located.push_back(true);
    const std::size_t first_located = located.size();
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
    for (const auto& neighbour : NeighboursOf(family.name, family.type)) {
      const Shard& other = group.shards[ShardOf(neighbour.name)];
      auto nit = other.families.find(neighbour.name);
      if (nit == other.families.end() || !neighbour.collides(nit->second.type)) continue;
      const bool live =
          std::any_of(nit->second.series.begin(), nit->second.series.end(),
                      [&](const auto& kv) { return !IsExpired(group, kv.second, now); });
      if (live) {
        return Status::Conflict(std::string(TypeName(family.type)) + " \"" + family.name +
                                "\" would share sample names with the stored " +
                                std::string(TypeName(nit->second.type)) + " \"" + neighbour.name +
                                "\"");
      }
    }
    const bool cumulative_type = IsCumulativeType(family.type);
    // A push lists its series in order, and a job pushes the same series again and
    // again: the entry after the previous one found is usually the next one wanted,
    // which one comparison confirms instead of a search.
    std::optional<SeriesMap::iterator> previous;
    for (const model::Series& series : family.series) {
      const std::string_view writer = cumulative_type ? WriterOf(series) : std::string_view();
      const StoredSeries* stored = nullptr;
      if (fit != shard.families.end() && fit->second.type == family.type) {
        SeriesMap& map = fit->second.series;
        auto sit = previous ? std::next(*previous) : map.end();
        if (sit == map.end() || !sit->first.Equals(series.labels)) {
          sit = map.find(series.labels);
        }
        if (sit != map.end()) {
          stored = &sit->second;
          located.push_back(sit);
          previous = sit;
        }
      }
      if (stored == nullptr) all_located.back() = false;
      if (stored == nullptr) {
        new_series += writer.empty() ? 1 : 2;
      } else if (IsExpired(group, *stored, now)) {
        freed += stored->WriterCount();
        new_series += writer.empty() ? 0 : 1;
      } else {
        if (const model::Value* shaped = stored->Shaped()) {
          if (Status s = CheckCompatible(family, *shaped, series); !s.ok()) return s;
        }
        if (!writer.empty() && stored->FindWriter(writer) == nullptr) ++new_series;
      }
    }
    if (!all_located.back()) located.resize(first_located);
  }

  // Phase 2: reserve room for the new series against the group's limit. A replayed
  // push was accepted once; it is accepted again whatever the limit says now.
  const std::size_t max =
      mode == Mode::kReplay ? std::numeric_limits<std::size_t>::max() : group.max_series.load();
  std::size_t current = group.series_count.load();
  do {
    if (new_series > 0 && current + new_series > max) {
      return Status::ResourceExhausted("push would create " + std::to_string(new_series) +
                                       " new series; metric group \"" + group.name + "\" holds " +
                                       std::to_string(current) + " of its maxTimeSeries " +
                                       std::to_string(max));
    }
  } while (!group.series_count.compare_exchange_weak(current, current + new_series));

  // Phase 3: record, then apply. A push the journal cannot record is not applied.
  Journal::Ticket ticket = 0;
  Journal* journal = mode == Mode::kLive ? journal_.load() : nullptr;
  if (journal != nullptr) {
    auto recorded = journal->RecordPush(group.name, std::chrono::seconds(group.ttl_seconds.load()),
                                        now, push, tag);
    if (!recorded.ok()) {
      group.series_count -= new_series;
      return recorded.status();
    }
    ticket = *recorded;
  }
  if (!tag.idempotency_key.empty()) {
    if (mode == Mode::kLive) {
      idempotency_.Applied(group.name, tag.idempotency_key, tag.answer);
    } else {
      idempotency_.Remember(group.name, tag.idempotency_key, tag.answer, tag.expires);
    }
  }
  // Nothing below can fail.
  auto next_located = located.begin();
  for (std::size_t f = 0; f < push.families.size(); ++f) {
    const model::Family& family = push.families[f];
    Shard& shard = group.shards[ShardOf(family.name)];
    StoredFamily& stored = shard.families[family.name];
    if (stored.type != family.type) {
      // Only expired series can be here (phase 1); they go with the old type.
      for (const auto& [labels, old] : stored.series) group.series_count -= old.Weight();
      group.expired += stored.series.size();
      stored.series.clear();
      stored.type = family.type;
    }
    const bool cumulative_type = IsCumulativeType(family.type);
    if (!family.help.empty()) stored.help = family.help;
    for (const model::Series& series : family.series) {
      const std::string_view writer = cumulative_type ? WriterOf(series) : std::string_view();
      SeriesMap::iterator it;
      bool inserted = false;
      if (all_located[f]) {
        it = *next_located++;
      } else {
        it = stored.series.lower_bound(series.labels);
        inserted = it == stored.series.end() || !it->first.Equals(series.labels);
        if (inserted) {
          it = stored.series.emplace_hint(it, model::PackedLabels(series.labels), StoredSeries{});
        }
      }
      StoredSeries& target = it->second;
      if (inserted || IsExpired(group, target, now)) {
        // An expired series that was not swept yet starts afresh, as if it were new.
        if (!inserted) {
          ++group.expired;
          group.series_count -= target.WriterCount();
          target.ClearWriters();
        }
        target.SetValue(FromPushed(series));
      } else if (writer.empty()) {
        MergeInto(family.type, target, series);
      } else {
        // A cumulative writer's push adds only what grew since its previous push.
        const WriterState* last = target.FindWriter(writer);
        const bool known = last != nullptr && !IsExpired(group, last->last_push, now);
        model::Series increase{series.labels,
                               known ? CumulativeIncrease(last->last, series.value) : series.value,
                               series.metadata};
        MergeInto(family.type, target, increase);
      }
      if (!writer.empty()) {
        auto [wit, _] = target.Writers().try_emplace(std::string(writer));
        wit->second = WriterState{series.value, now};
      }
      target.last_push = now;
    }
  }
  group.series_count -= freed;
  group.last_push = now.time_since_epoch().count();
  return ticket;
}

Result<std::vector<model::Family>> SeriesStore::Snapshot(std::string_view group_name) const {
  auto families = Families(group_name);
  if (!families.ok()) return families.status();
  std::vector<model::Family> out;
  for (const FamilyInfo& info : *families) {
    if (auto family = SnapshotFamily(group_name, info)) out.push_back(std::move(*family));
  }
  return out;
}

Result<std::vector<FamilyInfo>> SeriesStore::Families(std::string_view group_name) const {
  std::shared_ptr<Group> group = FindGroup(group_name);
  if (!group) return Status::NotFound("unknown metric group \"" + std::string(group_name) + "\"");
  std::vector<FamilyInfo> out;
  for (const Shard& shard : group->shards) {
    ReaderLock lock(shard.mu);
    for (const auto& [name, stored] : shard.families) {
      if (!stored.series.empty()) out.push_back(FamilyInfo{name, stored.type, stored.help});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const FamilyInfo& a, const FamilyInfo& b) { return a.name < b.name; });
  return out;
}

std::size_t SeriesStore::VisitFamily(std::string_view group_name, std::string_view family,
                                     model::MetricType type, const SeriesVisitor& visit) const {
  VisitCursor whole;
  return VisitFamilyStep(group_name, family, type, visit, whole,
                         std::numeric_limits<std::size_t>::max());
}

std::size_t SeriesStore::VisitFamilyStep(std::string_view group_name, std::string_view family,
                                         model::MetricType type, const SeriesVisitor& visit,
                                         VisitCursor& cursor, std::size_t max_series) const {
  if (cursor.done) return 0;
  max_series = std::max<std::size_t>(max_series, 1);
  cursor.done = true;  // unless the loop below stops early
  std::shared_ptr<Group> group = FindGroup(group_name);
  if (!group) return 0;
  const TimePoint now = clock_.Now();
  const Shard& shard = group->shards[ShardOf(family)];
  ReaderLock lock(shard.mu);
  auto fit = shard.families.find(std::string(family));
  if (fit == shard.families.end() || fit->second.type != type) return 0;
  std::size_t visited = 0;
  std::vector<model::LabelRef> labels;
  model::Value scalar = model::ScalarValue{};
  const SeriesMap& all = fit->second.series;
  auto it = cursor.after ? all.upper_bound(*cursor.after) : all.begin();
  // The label bytes of each series live in their own block: fetch a few series ahead.
  auto ahead = it;
  for (int i = 0; i < 8 && ahead != all.end(); ++i) ahead++->first.Prefetch();
  SeriesMap::const_iterator last = all.end();
  for (std::size_t looked = 0; it != all.end(); ++it) {
    if (looked++ == max_series) {
      cursor.after = last->first;
      cursor.done = false;
      break;
    }
    last = it;
    if (ahead != all.end()) ahead++->first.Prefetch();
    const auto& [packed, series] = *it;
    if (IsExpired(*group, series, now)) continue;  // lazy expiry: never shown
    packed.Refs(labels);
    if (const model::Value* shaped = series.Shaped()) {
      visit(labels, *shaped);
    } else {
      std::get<model::ScalarValue>(scalar).value = series.scalar;
      visit(labels, scalar);
    }
    ++visited;
  }
  return visited;
}

std::optional<model::Family> SeriesStore::SnapshotFamily(std::string_view group_name,
                                                         const FamilyInfo& family) const {
  model::Family out{family.name, family.type, family.help, {}};
  VisitFamily(group_name, family.name, family.type,
              [&out](std::span<const model::LabelRef> refs, const model::Value& value) {
                model::Labels labels;
                labels.reserve(refs.size());
                for (const model::LabelRef& l : refs) {
                  labels.push_back({std::string(l.name), std::string(l.value)});
                }
                out.series.push_back(model::Series{std::move(labels), value, {}});
              });
  if (out.series.empty()) return std::nullopt;
  return out;
}

Status SeriesStore::Reset(std::string_view group_name) {
  std::shared_ptr<Group> group = FindGroup(group_name);
  if (!group) return Status::NotFound("unknown metric group \"" + std::string(group_name) + "\"");
  // All shards at once, so the reset is one point in the order of changes.
  LockAll(*group);
  Journal::Ticket ticket = 0;
  if (Journal* journal = journal_.load(); journal != nullptr) {
    auto recorded = journal->RecordReset(group->name, clock_.Now());
    if (!recorded.ok()) {
      UnlockAll(*group);
      return recorded.status();
    }
    ticket = *recorded;
  }
  ClearLocked(*group);
  UnlockAll(*group);
  return WaitDurable(ticket);
}

Status SeriesStore::ScheduledReset(std::string_view group_name, TimePoint due) {
  std::shared_ptr<Group> group = FindGroup(group_name);
  if (!group) return Status::NotFound("unknown metric group \"" + std::string(group_name) + "\"");
  const TimePoint::rep tick = due.time_since_epoch().count();
  TimePoint::rep done = group->last_scheduled_reset.load();
  do {
    if (tick <= done) return Status::Ok();  // this time's reset happened already
  } while (!group->last_scheduled_reset.compare_exchange_weak(done, tick));
  return Reset(group_name);
}

void SeriesStore::ClearLocked(Group& group) {
  std::size_t removed = 0;
  for (Shard& shard : group.shards) {
    for (const auto& [name, family] : shard.families) {
      for (const auto& [labels, series] : family.series) removed += series.Weight();
    }
    shard.families.clear();
  }
  group.series_count -= removed;
  ++group.resets;
}

void SeriesStore::ReplayReset(std::string_view group_name) {
  std::shared_ptr<Group> group = FindOrAddGroup(group_name);
  LockAll(*group);
  ClearLocked(*group);
  UnlockAll(*group);
}

Result<std::size_t> SeriesStore::DeleteMatching(std::string_view group_name,
                                                std::span<const model::Selector> any_of) {
  std::shared_ptr<Group> group = FindGroup(group_name);
  if (!group) return Status::NotFound("unknown metric group \"" + std::string(group_name) + "\"");
  LockAll(*group);
  std::vector<SeriesRef> doomed;
  for (const Shard& shard : group->shards) CollectMatchingLocked(shard, any_of, doomed);
  Journal::Ticket ticket = 0;
  Journal* journal = journal_.load();
  if (journal != nullptr && !doomed.empty()) {
    auto recorded = journal->RecordDelete(group->name, clock_.Now(), doomed);
    if (!recorded.ok()) {
      UnlockAll(*group);
      return recorded.status();
    }
    ticket = *recorded;
  }
  EraseLocked(*group, doomed);
  UnlockAll(*group);
  if (Status s = WaitDurable(ticket); !s.ok()) return s;
  return doomed.size();
}

void SeriesStore::EraseLocked(Group& group, const std::vector<SeriesRef>& series) {
  for (const SeriesRef& ref : series) {
    Shard& shard = group.shards[ShardOf(ref.family)];
    auto fit = shard.families.find(ref.family);
    if (fit == shard.families.end()) continue;
    auto sit = fit->second.series.find(ref.labels);
    if (sit == fit->second.series.end()) continue;
    group.series_count -= sit->second.Weight();
    fit->second.series.erase(sit);
    if (fit->second.series.empty()) shard.families.erase(fit);
  }
}

void SeriesStore::ReplayDelete(std::string_view group_name, const std::vector<SeriesRef>& series) {
  std::shared_ptr<Group> group = FindOrAddGroup(group_name);
  LockAll(*group);
  EraseLocked(*group, series);
  UnlockAll(*group);
}

void SeriesStore::ReplayDrop(std::string_view group_name) {
  MutexLock lock(groups_mu_);
  auto it = groups_.find(group_name);
  if (it != groups_.end()) groups_.erase(it);
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
        auto& series_map = fit->second.series;
        for (auto sit = series_map.begin(); sit != series_map.end();) {
          StoredSeries& series = sit->second;
          if (IsExpired(*group, series, now)) {
            group->series_count -= series.Weight();
            ++removed;
            sit = series_map.erase(sit);
            continue;
          }
          // Writer states expire on their own, like series (SPEC §2).
          if (series.WriterCount() > 0) {
            group->series_count -= std::erase_if(series.Writers(), [&](const auto& w) {
              return IsExpired(*group, w.second.last_push, now);
            });
            if (series.WriterCount() == 0) series.ClearWriters();
          }
          ++sit;
        }
        fit = fit->second.series.empty() ? shard.families.erase(fit) : std::next(fit);
      }
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

StoreImage SeriesStore::Checkpoint(const std::function<void()>& at_cut) {
  ReaderLock lock(groups_mu_);
  for (const auto& [name, group] : groups_) LockAll(*group);
  at_cut();
  StoreImage image;
  for (const auto& [name, group] : groups_) {
    GroupImage& out = image.groups.emplace_back();
    out.name = name;
    out.ttl = std::chrono::seconds(group->ttl_seconds.load());
    out.last_push = TimePoint(TimePoint::duration(group->last_push.load()));
    out.expired_series = group->expired.load();
    out.resets = group->resets.load();
    for (const Shard& shard : group->shards) {
      for (const auto& [family_name, stored] : shard.families) {
        FamilyImage& family = out.families.emplace_back();
        family.name = family_name;
        family.type = stored.type;
        family.help = stored.help;
        family.series.reserve(stored.series.size());
        for (const auto& [packed, series] : stored.series) {
          SeriesImage& copy = family.series.emplace_back();
          copy.labels = packed.Unpack();
          copy.value = series.Value();
          copy.last_push = series.last_push;
          if (series.WriterCount() == 0) continue;
          for (const auto& [writer, state] : series.extra->writers) {
            copy.writers.push_back({writer, state.last, state.last_push});
          }
        }
      }
    }
  }
  // Under the same locks: a tagged push remembers its key while it is applied, so
  // the keys saved are exactly those of the changes before the cut.
  image.idempotency = idempotency_.Export();
  for (const auto& [name, group] : groups_) UnlockAll(*group);
  return image;
}

std::shared_ptr<SeriesStore::Group> SeriesStore::GroupFromImage(const GroupImage& in) {
  auto group = std::make_shared<Group>();
  group->name = in.name;
  group->max_series = std::numeric_limits<std::size_t>::max();
  group->ttl_seconds = in.ttl.count();
  group->last_push = in.last_push.time_since_epoch().count();
  group->expired = in.expired_series;
  group->resets = in.resets;
  std::size_t count = 0;
  for (const FamilyImage& family : in.families) {
    Shard& shard = group->shards[ShardOf(family.name)];
    MutexLock shard_lock(shard.mu);
    StoredFamily& stored = shard.families[family.name];
    stored.type = family.type;
    stored.help = family.help;
    for (const SeriesImage& series : family.series) {
      auto it = stored.series.find(series.labels);
      if (it == stored.series.end()) {
        it = stored.series.emplace(model::PackedLabels(series.labels), StoredSeries{}).first;
      }
      StoredSeries& target = it->second;
      target.SetValue(series.value);
      target.last_push = series.last_push;
      for (const WriterImage& writer : series.writers) {
        target.Writers()[writer.writer] = WriterState{writer.last, writer.last_push};
      }
      count += target.Weight();
    }
  }
  group->series_count = count;
  return group;
}

void SeriesStore::Restore(const StoreImage& image) {
  MutexLock lock(groups_mu_);
  groups_.clear();
  for (const GroupImage& in : image.groups) groups_.emplace(in.name, GroupFromImage(in));
  idempotency_.Clear();
  for (const IdempotencyImage& entry : image.idempotency) {
    idempotency_.Remember(entry.group, entry.key, entry.answer, entry.expires);
  }
}

void SeriesStore::RestoreGroup(const GroupImage& image,
                               std::span<const IdempotencyImage> idempotency) {
  std::shared_ptr<Group> group = GroupFromImage(image);
  {
    MutexLock lock(groups_mu_);
    if (auto it = groups_.find(image.name); it != groups_.end()) {
      group->max_series = it->second->max_series.load();
      group->ttl_seconds = it->second->ttl_seconds.load();
      it->second = group;
    } else {
      groups_.emplace(image.name, group);
    }
  }
  for (const IdempotencyImage& entry : idempotency) {
    if (entry.group == image.name) {
      idempotency_.Remember(entry.group, entry.key, entry.answer, entry.expires);
    }
  }
}

}  // namespace accumulator::store
