#include "parse/push_builder.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <span>
#include <type_traits>

#include "model/bytes.h"
#include "model/names.h"
#include "model/number.h"
#include "model/packed_labels.h"
#include "parse/validate.h"

namespace accumulator::parse {
namespace {

bool StripSuffix(std::string_view name, std::string_view suffix, std::string_view& base) {
  if (name.size() <= suffix.size() || !name.ends_with(suffix)) return false;
  base = name.substr(0, name.size() - suffix.size());
  return true;
}

bool HasLabel(const std::vector<model::LabelRef>& labels, std::string_view name) {
  return std::any_of(labels.begin(), labels.end(),
                     [&](const model::LabelRef& l) { return l.name == name; });
}

// Removes `name` from `labels` and parses it as a float bound (le, quantile).
std::optional<double> TakeBoundLabel(std::vector<model::LabelRef>& labels, std::string_view name) {
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    if (it->name == name) {
      auto v = model::ParseFloat(it->value);
      labels.erase(it);
      return v;
    }
  }
  return std::nullopt;
}

// Room for the grouping labels a push adds to every series (job, instance, usually no
// more), so adding them does not move the labels again.
constexpr std::size_t kGroupingRoom = 4;

model::Labels OwnedLabels(std::span<const model::LabelRef> refs) {
  model::Labels out;
  out.reserve(refs.size() + kGroupingRoom);
  for (const model::LabelRef& r : refs) out.push_back({std::string(r.name), std::string(r.value)});
  return out;
}

// Room for a family's first samples: families of a few to a dozen series are common, and
// growing one sample at a time would move them several times.
constexpr std::size_t kFirstScalars = 16;

bool IsScalarType(model::MetricType t) {
  return t != model::MetricType::kHistogram && t != model::MetricType::kSummary;
}

}  // namespace

bool PushBuilder::LabelsLess::operator()(const model::Labels& a, const model::Labels& b) const {
  return model::CompareLabels(a, b) < 0;
}
bool PushBuilder::LabelsLess::operator()(const model::Labels& a,
                                         std::span<const model::LabelRef> b) const {
  return model::CompareLabels(a, b) < 0;
}
bool PushBuilder::LabelsLess::operator()(std::span<const model::LabelRef> a,
                                         const model::Labels& b) const {
  return model::CompareLabels(b, a) > 0;
}

std::pair<const model::Labels, PushBuilder::PendingSeries>& PushBuilder::SeriesFor(
    PendingFamily& family, std::size_t line) {
  const std::span<const model::LabelRef> labels(labels_);
  // A histogram's or summary's lines come one after another: most samples find their
  // series here without a search.
  if (family.last_series != nullptr && model::SameLabels(family.last_series->first, labels)) {
    return *family.last_series;
  }
  auto& series = family.series;
  // Bodies often list series in order: the end is the first place to try.
  auto at = series.end();
  if (!series.empty() && model::CompareLabels(std::prev(at)->first, labels) >= 0) {
    at = series.lower_bound(labels);
    if (at != series.end() && model::SameLabels(at->first, labels)) {
      family.last_series = &*at;
      return *at;
    }
  }
  auto& added = *series.emplace_hint(at, OwnedLabels(labels), PendingSeries{});
  added.second.first_line = line;
  family.last_series = &added;
  return added;
}

std::string PushBuilder::Where(std::size_t line) const {
  return std::string(unit_) + " " + std::to_string(line) + ": ";
}

PushBuilder::PendingFamily& PushBuilder::FamilyFor(std::string_view name, std::size_t line) {
  // Growing families_ must move families, never copy them: last_series points into one.
  static_assert(std::is_nothrow_move_constructible_v<PendingFamily>);
  auto it = index_.find(name);
  if (it != index_.end()) return families_[it->second];
  index_.emplace(std::string(name), families_.size());
  PendingFamily& f = families_.emplace_back(&arena_);
  f.name = std::string(name);
  f.first_line = line;
  return f;
}

Status PushBuilder::DeclareType(std::string_view family, model::MetricType type, std::size_t line) {
  if (!model::IsValidMetricName(family)) {
    return Status::InvalidArgument(Where(line) + "invalid metric name \"" + std::string(family) +
                                   "\" in TYPE line");
  }
  last_name_.clear();
  PendingFamily& f = FamilyFor(family, line);
  if (f.type_declared) {
    return Status::InvalidArgument(Where(line) + "second TYPE line for metric \"" +
                                   std::string(family) + "\"");
  }
  if (f.HasSamples()) {
    return Status::InvalidArgument(Where(line) + "TYPE line for metric \"" + std::string(family) +
                                   "\" comes after its samples");
  }
  f.type = type;
  f.type_declared = true;
  return Status::Ok();
}

Status PushBuilder::DeclareHelp(std::string_view family, std::string help, std::size_t line) {
  if (!model::IsValidMetricName(family)) {
    return Status::InvalidArgument(Where(line) + "invalid metric name \"" + std::string(family) +
                                   "\" in HELP line");
  }
  // A trailing CR cannot survive a text line ending; drop it so every format agrees.
  while (!help.empty() && help.back() == '\r') help.pop_back();
  last_name_.clear();
  PendingFamily& f = FamilyFor(family, line);
  if (f.help_declared) {
    return Status::InvalidArgument(Where(line) + "second HELP line for metric \"" +
                                   std::string(family) + "\"");
  }
  f.help = std::move(help);
  f.help_declared = true;
  return Status::Ok();
}

std::pair<PushBuilder::PendingFamily*, PushBuilder::Part> PushBuilder::Resolve(
    std::string_view name, std::size_t line) {
  // `name` is a valid metric name, so never empty: an empty last_name_ matches nothing.
  if (name == last_name_) return {&families_[last_family_], last_part_};
  const auto [family, part] = ResolveUncached(name, line);
  last_name_.assign(name);
  last_family_ = static_cast<std::size_t>(family - families_.data());
  last_part_ = part;
  return {family, part};
}

std::pair<PushBuilder::PendingFamily*, PushBuilder::Part> PushBuilder::ResolveUncached(
    std::string_view name, std::size_t line) {
  if (auto it = index_.find(name); it != index_.end()) {
    PendingFamily& f = families_[it->second];
    if (f.type_declared || f.help_declared || f.HasSamples()) return {&f, Part::kValue};
  }
  struct SuffixRule {
    std::string_view suffix;
    Part part;
  };
  static constexpr SuffixRule kRules[] = {{"_bucket", Part::kBucket}, {"_sum", Part::kSum},
                                          {"_count", Part::kCount},   {"_created", Part::kCreated},
                                          {"_total", Part::kValue},   {"_info", Part::kValue}};
  for (const SuffixRule& rule : kRules) {
    std::string_view base;
    if (!StripSuffix(name, rule.suffix, base)) continue;
    auto it = index_.find(base);
    if (it == index_.end()) continue;
    PendingFamily& f = families_[it->second];
    const bool is_total = rule.suffix == "_total";
    const bool is_info = rule.suffix == "_info";
    const bool fits = (f.type == model::MetricType::kHistogram && !is_total && !is_info) ||
                      (f.type == model::MetricType::kSummary && rule.part != Part::kBucket &&
                       !is_total && !is_info) ||
                      (f.type == model::MetricType::kCounter &&
                       (rule.part == Part::kCreated || (openmetrics_ && is_total))) ||
                      (f.type == model::MetricType::kInfo && openmetrics_ && is_info);
    if (fits && f.type_declared) return {&f, rule.part};
  }
  return {&FamilyFor(name, line), Part::kValue};
}

Status PushBuilder::AddSample(std::string_view name, const model::Labels& labels, double value,
                              std::size_t line) {
  model::RefsOf(labels, converted_);
  return AddSample(name, converted_, value, line);
}

Status PushBuilder::AddSample(std::string_view name, std::span<const model::LabelRef> labels,
                              double value, std::size_t line) {
  // Names, label values and limits are ValidatePush's, once per series; what is
  // checked here is how the samples make up series.
  // Sorted by name (clients usually write them so), views only: nothing is copied yet.
  labels_.assign(labels.begin(), labels.end());
  const auto name_less = [](const model::LabelRef& a, const model::LabelRef& b) {
    return model::CompareBytes(a.name, b.name) < 0;
  };
  if (!std::is_sorted(labels_.begin(), labels_.end(), name_less)) {
    std::sort(labels_.begin(), labels_.end(), name_less);
  }
  const auto same_name = [](const model::LabelRef& a, const model::LabelRef& b) {
    return model::SameBytes(a.name, b.name);
  };
  if (std::adjacent_find(labels_.begin(), labels_.end(), same_name) != labels_.end()) {
    return Status::InvalidArgument(Where(line) + "a label name repeats in " + std::string(name));
  }

  auto [family, part] = Resolve(name, line);
  if (part == Part::kCreated) return Status::Ok();  // SPEC §2: _created is not accumulated

  // Metadata labels steer merging; they are not part of the series identity.
  metadata_.clear();
  std::erase_if(labels_, [&](const model::LabelRef& l) {
    if (!model::IsMetadataLabel(l.name)) return false;
    metadata_.push_back(l);
    return true;
  });

  if (IsScalarType(family->type)) {
    if (family->scalars.empty()) {
      family->scalars.reserve(kFirstScalars);
      family->scalar_lines.reserve(kFirstScalars);
    }
    model::Series& series = family->scalars.emplace_back();
    series.labels = OwnedLabels(labels_);
    for (const model::LabelRef& m : metadata_) model::SetLabel(series.metadata, m.name, m.value);
    series.value = model::ScalarValue{value};
    family->scalar_lines.push_back(line);
    return Status::Ok();
  }

  std::optional<double> bound;
  if (family->type == model::MetricType::kHistogram) {
    if (part == Part::kValue) {
      return Status::InvalidArgument(Where(line) + "histogram \"" + family->name +
                                     "\" sample must end in _bucket, _sum or _count");
    }
    if (part == Part::kBucket) {
      if (!HasLabel(labels_, "le")) {
        return Status::InvalidArgument(Where(line) + "bucket of histogram \"" + family->name +
                                       "\" has no \"le\" label");
      }
      bound = TakeBoundLabel(labels_, "le");
      if (!bound || std::isnan(*bound)) {
        return Status::InvalidArgument(Where(line) + "\"le\" label of histogram \"" + family->name +
                                       "\" is not a number");
      }
    }
  } else if (family->type == model::MetricType::kSummary && part == Part::kValue) {
    if (!HasLabel(labels_, "quantile")) {
      return Status::InvalidArgument(Where(line) + "summary \"" + family->name +
                                     "\" sample has no \"quantile\" label");
    }
    bound = TakeBoundLabel(labels_, "quantile");
    if (!bound) {
      return Status::InvalidArgument(Where(line) + "\"quantile\" label of summary \"" +
                                     family->name + "\" is not a number");
    }
  }

  auto& entry = SeriesFor(*family, line);
  const model::Labels& series_labels = entry.first;
  PendingSeries& s = entry.second;
  for (const model::LabelRef& m : metadata_) model::SetLabel(s.metadata, m.name, m.value);

  const auto duplicate = [&] {
    return Status::InvalidArgument(Where(line) + "duplicate sample for series " +
                                   model::DescribeSeries(name, series_labels));
  };
  const std::size_t max_buckets = limits_.max_buckets_per_histogram;
  switch (part) {
    case Part::kValue:
      if (family->type == model::MetricType::kSummary) {
        for (const model::Quantile& q : s.quantiles) {
          if (q.quantile == *bound) return duplicate();
        }
        if (s.quantiles.size() >= max_buckets) {
          return Status::InvalidArgument(Where(line) + "more than " + std::to_string(max_buckets) +
                                         " quantiles in one summary");
        }
        s.quantiles.push_back({*bound, value});
      }
      break;
    case Part::kBucket:
      for (const auto& b : s.buckets) {
        if (b.first == *bound) return duplicate();
      }
      if (s.buckets.size() >= max_buckets) {
        return Status::InvalidArgument(Where(line) + "more than " + std::to_string(max_buckets) +
                                       " buckets in one histogram");
      }
      s.buckets.emplace_back(*bound, value);
      break;
    case Part::kSum:
      if (s.sum) return duplicate();
      s.sum = value;
      break;
    case Part::kCount:
      if (s.count) return duplicate();
      s.count = value;
      break;
    case Part::kCreated:
      break;
  }
  return Status::Ok();
}

void PushBuilder::FinishSeries(const PendingFamily& family, model::Labels labels,
                               PendingSeries& pending, model::Series& out) {
  out.labels = std::move(labels);
  out.metadata = std::move(pending.metadata);
  if (family.type == model::MetricType::kHistogram) {
    auto& buckets = pending.buckets;
    std::sort(buckets.begin(), buckets.end());
    const double count = pending.count.value_or(buckets.empty() ? 0 : buckets.back().second);
    out.value =
        model::HistogramValue::FromBuckets(std::move(buckets), pending.sum.value_or(0), count);
    return;
  }
  model::SummaryValue sv;
  sv.quantiles = std::move(pending.quantiles);
  sv.sum = pending.sum.value_or(0);
  sv.count = pending.count.value_or(0);
  out.value = std::move(sv);
}

Result<model::Push> PushBuilder::Finish() && {
  bool created_named = false;
  for (const PendingFamily& f : families_) {
    if (!f.HasSamples()) continue;
    created_named = created_named || f.name.ends_with("_created");
  }

  // Python's client writes `x_created` as a gauge family beside counter `x_total` /
  // histogram `x` in text 0.0.4. Such families are creation times, not data.
  std::set<std::string> created_companions;
  for (const PendingFamily& f : families_) {
    if (!created_named) break;  // no family could be one
    if (!f.HasSamples()) continue;
    std::string_view base = f.name;
    if (f.type == model::MetricType::kCounter) StripSuffix(f.name, "_total", base);
    if (f.type == model::MetricType::kCounter || f.type == model::MetricType::kHistogram ||
        f.type == model::MetricType::kSummary) {
      created_companions.insert(std::string(base) + "_created");
    }
  }

  model::Push push;
  push.families.reserve(families_.size());
  // The line of each series, for ValidatePush's messages: family f's series start at
  // lines[first[f]]. From the arena, like the series nodes.
  std::pmr::vector<std::size_t> lines(&arena_);
  std::pmr::vector<std::size_t> first(&arena_);
  for (PendingFamily& f : families_) {
    if (!f.HasSamples()) continue;  // HELP/TYPE without samples adds nothing
    if (IsScalarType(f.type) && f.type != model::MetricType::kCounter &&
        created_companions.contains(f.name)) {
      continue;
    }
    model::Family& out = push.families.emplace_back();
    out.name = f.name;
    // Families are stored under their text 0.0.4 names (the name of their samples).
    if (openmetrics_ && f.type == model::MetricType::kCounter) out.name += "_total";
    if (openmetrics_ && f.type == model::MetricType::kInfo) out.name += "_info";
    out.type = f.type;
    out.help = std::move(f.help);
    first.push_back(lines.size());
    if (IsScalarType(f.type)) {
      out.series = std::move(f.scalars);
      lines.insert(lines.end(), f.scalar_lines.begin(), f.scalar_lines.end());
      continue;
    }
    out.series.reserve(f.series.size());
    while (!f.series.empty()) {
      auto node = f.series.extract(f.series.begin());  // moves the labels, no copy
      lines.push_back(node.mapped().first_line);
      FinishSeries(f, std::move(node.key()), node.mapped(), out.series.emplace_back());
    }
  }
  if (Status s = ValidatePush(push, limits_,
                              [&](std::size_t family, std::size_t series) {
                                return Where(lines[first[family] + series]);
                              });
      !s.ok()) {
    return s;
  }
  return push;
}

}  // namespace accumulator::parse
