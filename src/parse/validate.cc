#include "parse/validate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "model/bytes.h"
#include "model/names.h"

namespace accumulator::parse {
namespace {

// Checks one label (a series label or a metadata label) against the naming rules.
Status CheckLabel(const model::Label& label, const Limits& limits, bool metadata) {
  if (label.name.size() > limits.max_name_length) {
    return Status::InvalidArgument("label name longer than " +
                                   std::to_string(limits.max_name_length) + " bytes");
  }
  // Metadata labels start with "_", so they are never reserved ("__") names.
  const bool valid_name =
      model::IsValidLabelName(label.name) &&
      (metadata ? model::IsMetadataLabel(label.name) : !model::IsReservedLabelName(label.name));
  if (!valid_name) return Status::InvalidArgument("invalid label name \"" + label.name + "\"");
  if (label.value.size() > limits.max_label_value_length) {
    return Status::InvalidArgument("value of label \"" + label.name + "\" longer than " +
                                   std::to_string(limits.max_label_value_length) + " bytes");
  }
  if (!model::IsValidUtf8(label.value)) {
    return Status::InvalidArgument("value of label \"" + label.name + "\" is not valid UTF-8");
  }
  return Status::Ok();
}

// CheckLabel's verdict without building a Status: the common case, every label fine.
bool LabelPasses(const model::Label& label, const Limits& limits, bool metadata) {
  return label.name.size() <= limits.max_name_length && model::IsValidLabelName(label.name) &&
         (metadata ? model::IsMetadataLabel(label.name)
                   : !model::IsReservedLabelName(label.name)) &&
         label.value.size() <= limits.max_label_value_length && model::IsValidUtf8(label.value);
}

// Checks every label and puts them in name order, in one pass when they come sorted
// (as clients write them). `has_metadata` tells whether a series label is a metadata one.
Status CheckLabels(model::Labels& labels, const Limits& limits, bool metadata,
                   std::string_view family, bool* has_metadata) {
  if (!metadata && labels.size() > limits.max_labels_per_series) {
    return Status::InvalidArgument("more than " + std::to_string(limits.max_labels_per_series) +
                                   " labels on one series");
  }
  bool sorted = true;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const model::Label& label = labels[i];
    const bool is_metadata = !metadata && model::IsMetadataLabel(label.name);
    if (is_metadata) {
      *has_metadata = true;  // checked as metadata once moved
    } else if (!LabelPasses(label, limits, metadata)) {
      return CheckLabel(label, limits, metadata);
    }
    if (i == 0) continue;
    const int order = model::CompareBytes(labels[i - 1].name, label.name);
    if (order == 0)
      return Status::InvalidArgument("a label name repeats in " + std::string(family));
    sorted = sorted && order < 0;
  }
  if (sorted) return Status::Ok();
  const auto name_less = [](const model::Label& a, const model::Label& b) {
    return model::CompareBytes(a.name, b.name) < 0;
  };
  std::sort(labels.begin(), labels.end(), name_less);
  const auto same_name = [](const model::Label& a, const model::Label& b) {
    return model::SameBytes(a.name, b.name);
  };
  if (std::adjacent_find(labels.begin(), labels.end(), same_name) != labels.end()) {
    return Status::InvalidArgument("a label name repeats in " + std::string(family));
  }
  return Status::Ok();
}

Status CheckHistogram(const model::HistogramValue& h, const Limits& limits) {
  if (h.upper_bounds.size() != h.bucket_counts.size()) {
    return Status::InvalidArgument("histogram has " + std::to_string(h.upper_bounds.size()) +
                                   " bucket bounds but " + std::to_string(h.bucket_counts.size()) +
                                   " counts");
  }
  if (h.upper_bounds.size() > limits.max_buckets_per_histogram) {
    return Status::InvalidArgument("more than " + std::to_string(limits.max_buckets_per_histogram) +
                                   " buckets in one histogram");
  }
  for (std::size_t i = 0; i < h.upper_bounds.size(); ++i) {
    const double le = h.upper_bounds[i];
    if (std::isnan(le) || (i > 0 && le <= h.upper_bounds[i - 1])) {
      return Status::InvalidArgument(
          "histogram bucket bounds must be numbers in increasing order, each once");
    }
  }
  if (h.upper_bounds.empty() || !std::isinf(h.upper_bounds.back()) || h.upper_bounds.back() < 0) {
    return Status::InvalidArgument("histogram has no le=\"+Inf\" bucket");
  }
  double previous = 0;
  for (double count : h.bucket_counts) {
    if (std::isnan(count) || count < previous) {
      return Status::InvalidArgument(
          "histogram bucket counts must be cumulative (never decreasing, never negative)");
    }
    previous = count;
  }
  return Status::Ok();
}

Status CheckSummary(model::SummaryValue& s, const Limits& limits) {
  if (s.quantiles.size() > limits.max_buckets_per_histogram) {
    return Status::InvalidArgument("more than " + std::to_string(limits.max_buckets_per_histogram) +
                                   " quantiles in one summary");
  }
  for (const model::Quantile& q : s.quantiles) {
    if (std::isnan(q.quantile) || q.quantile < 0 || q.quantile > 1) {
      return Status::InvalidArgument("quantile must be a number between 0 and 1");
    }
  }
  const auto by_quantile = [](const model::Quantile& a, const model::Quantile& b) {
    return a.quantile < b.quantile;
  };
  if (!std::is_sorted(s.quantiles.begin(), s.quantiles.end(), by_quantile)) {
    std::sort(s.quantiles.begin(), s.quantiles.end(), by_quantile);
  }
  const auto same = [](const model::Quantile& a, const model::Quantile& b) {
    return a.quantile == b.quantile;
  };
  if (std::adjacent_find(s.quantiles.begin(), s.quantiles.end(), same) != s.quantiles.end()) {
    return Status::InvalidArgument("a quantile appears twice");
  }
  return Status::Ok();
}

Status CheckValue(const model::Family& family, model::Series& series, const Limits& limits) {
  if (!model::ValueMatchesType(series.value, family.type)) {
    return Status::InvalidArgument("value does not fit metric type " +
                                   std::string(model::TypeName(family.type)));
  }
  if (const auto* h = std::get_if<model::HistogramValue>(&series.value)) {
    return CheckHistogram(*h, limits);
  }
  if (auto* s = std::get_if<model::SummaryValue>(&series.value)) return CheckSummary(*s, limits);
  return Status::Ok();
}

// The body index of the first series that repeats an earlier one's labels, if any.
// Series with equal labels have equal hashes: sorting hashes costs less than sorting
// label sets, and only series whose hashes meet are compared.
std::optional<std::size_t> RepeatedSeries(const std::vector<model::Series>& series) {
  if (series.size() < 2) return std::nullopt;
  std::vector<std::pair<std::size_t, std::size_t>> by_hash;  // (hash, index)
  by_hash.reserve(series.size());
  for (std::size_t i = 0; i < series.size(); ++i) {
    by_hash.emplace_back(model::HashLabels(series[i].labels), i);
  }
  std::sort(by_hash.begin(), by_hash.end());
  std::optional<std::size_t> first_repeat;
  for (std::size_t run = 0; run < by_hash.size();) {
    std::size_t end = run + 1;
    while (end < by_hash.size() && by_hash[end].first == by_hash[run].first) ++end;
    // Within a run indexes ascend, so the later of a pair is the repeat.
    for (std::size_t a = run; a < end; ++a) {
      for (std::size_t b = a + 1; b < end; ++b) {
        const std::size_t later = by_hash[b].second;
        if ((!first_repeat || later < *first_repeat) &&
            model::SameLabels(series[by_hash[a].second].labels, series[later].labels)) {
          first_repeat = later;
        }
      }
    }
    run = end;
  }
  return first_repeat;
}

}  // namespace

Status ValidatePush(model::Push& push, const Limits& limits, const PushLocator& where) {
  const auto fail = [&](std::size_t f, std::size_t s, const Status& status) {
    return Status::InvalidArgument(where(f, s) + status.message());
  };
  // Every sample name and the family that writes it, when there are several families.
  std::map<std::string, std::size_t, std::less<>> owners;
  // Family names apart: a counter and a histogram of one name share no sample name.
  std::set<std::string_view> family_names;
  for (std::size_t f = 0; f < push.families.size(); ++f) {
    model::Family& family = push.families[f];
    if (family.name.size() > limits.max_name_length) {
      return fail(f, 0,
                  Status::InvalidArgument("metric name longer than " +
                                          std::to_string(limits.max_name_length) + " bytes"));
    }
    if (!model::IsValidMetricName(family.name)) {
      return fail(f, 0, Status::InvalidArgument("invalid metric name \"" + family.name + "\""));
    }
    if (family.help.size() > limits.max_help_length) {
      return fail(f, 0,
                  Status::InvalidArgument("HELP text longer than " +
                                          std::to_string(limits.max_help_length) + " bytes"));
    }
    if (!model::IsValidUtf8(family.help)) {
      return fail(f, 0, Status::InvalidArgument("HELP text is not valid UTF-8"));
    }
    if (push.families.size() > 1) {
      if (!family_names.insert(family.name).second) {
        return fail(
            f, 0,
            Status::InvalidArgument("metric \"" + family.name + "\" appears in two families"));
      }
      for (std::string& sample : model::SampleNames(family.name, family.type)) {
        auto [it, inserted] = owners.emplace(std::move(sample), f);
        if (inserted) continue;
        const model::Family& other = push.families[it->second];
        return fail(f, 0,
                    Status::InvalidArgument(
                        other.name == family.name
                            ? "metric \"" + family.name + "\" appears in two families"
                            : "metric name \"" + it->first + "\" belongs to both " +
                                  std::string(model::TypeName(other.type)) + " \"" + other.name +
                                  "\" and " + std::string(model::TypeName(family.type)) + " \"" +
                                  family.name + "\""));
      }
    }
    for (std::size_t s = 0; s < family.series.size(); ++s) {
      model::Series& series = family.series[s];
      bool has_metadata = false;
      if (Status st = CheckLabels(series.labels, limits, false, family.name, &has_metadata);
          !st.ok()) {
        return fail(f, s, st);
      }
      // Metadata labels steer merging; they are not part of the series identity.
      if (has_metadata) {
        std::erase_if(series.labels, [&](const model::Label& l) {
          if (!model::IsMetadataLabel(l.name)) return false;
          model::SetLabel(series.metadata, l.name, l.value);
          return true;
        });
      }
      if (!series.metadata.empty()) {
        if (Status st = CheckLabels(series.metadata, limits, true, family.name, &has_metadata);
            !st.ok()) {
          return fail(f, s, st);
        }
      }
      if (Status st = CheckValue(family, series, limits); !st.ok()) {
        return fail(f, s,
                    Status::InvalidArgument(model::DescribeSeries(family.name, series.labels) +
                                            ": " + st.message()));
      }
    }
    if (auto twin = RepeatedSeries(family.series)) {
      return fail(
          f, *twin,
          Status::InvalidArgument("duplicate sample for series " +
                                  model::DescribeSeries(family.name, family.series[*twin].labels)));
    }
  }
  return Status::Ok();
}

}  // namespace accumulator::parse
