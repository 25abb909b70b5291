#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <map>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "model/labels.h"
#include "model/metric.h"
#include "parse/limits.h"

namespace accumulator::parse {

// Turns a stream of flat samples (name, labels, value) into typed families, the way
// the text formats describe them: histogram samples `x_bucket{le=..}`, `x_sum`,
// `x_count` become one series of family `x`; summary quantiles likewise. Shared by
// the text-format parsers. Not thread-safe; one per push.
class PushBuilder {
 public:
  // Error messages locate problems as "<unit> <n>: ", e.g. "line 12: " for text
  // formats or "family 3: " for protobuf.
  // With `openmetrics`, sample names follow OpenMetrics: counter `x` has samples
  // `x_total` (the family is stored as `x_total`, its text 0.0.4 name) and info `x`
  // has `x_info` (stored as `x_info`).
  explicit PushBuilder(const Limits& limits, std::string_view unit = "line",
                       bool openmetrics = false)
      : limits_(limits), unit_(unit), openmetrics_(openmetrics) {}

  // `line` numbers (or other positions, see `unit`) appear in error messages.
  Status DeclareType(std::string_view family, model::MetricType type, std::size_t line);
  Status DeclareHelp(std::string_view family, std::string help, std::size_t line);
  // `labels` need to live only during the call; the builder copies what it keeps.
  Status AddSample(std::string_view name, std::span<const model::LabelRef> labels, double value,
                   std::size_t line);
  Status AddSample(std::string_view name, const model::Labels& labels, double value,
                   std::size_t line);

  // Checks every series is complete (e.g. a histogram has its +Inf bucket) and drops
  // `_created` companions (SPEC §2: they are not accumulated).
  Result<model::Push> Finish() &&;

 private:
  // A histogram or summary series, gathered from the several samples that make it.
  struct PendingSeries {
    std::size_t first_line = 0;
    model::Labels metadata;
    std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
    std::vector<model::Quantile> quantiles;
    std::optional<double> sum;
    std::optional<double> count;
  };
  // Orders owned label sets and borrowed ones alike, so a sample's labels are looked
  // up before anything is copied.
  struct LabelsLess {
    using is_transparent = void;
    bool operator()(const model::Labels& a, const model::Labels& b) const;
    bool operator()(const model::Labels& a, std::span<const model::LabelRef> b) const;
    bool operator()(std::span<const model::LabelRef> a, const model::Labels& b) const;
  };
  struct PendingFamily {
    explicit PendingFamily(std::pmr::memory_resource* arena) : series(arena) {}
    std::string name;
    model::MetricType type = model::MetricType::kUntyped;
    bool type_declared = false;
    bool help_declared = false;
    std::string help;
    std::size_t first_line = 0;
    // Histograms and summaries: their samples are looked up by labels to find their
    // series. Nodes come from the builder's arena: one heap allocation fewer per series.
    std::pmr::map<model::Labels, PendingSeries, LabelsLess> series;
    // Every other type: one sample is one series, so it becomes one at once, with no
    // lookup; ValidatePush finds a repeat. `scalar_lines[i]` is where scalars[i] was.
    std::vector<model::Series> scalars;
    std::vector<std::size_t> scalar_lines;
    bool HasSamples() const { return !series.empty() || !scalars.empty(); }
    // The series the previous sample went to: a histogram's or summary's lines come
    // one after another, so most samples find their series here without a search.
    // A node pointer, not an iterator: it stays valid when the family moves.
    std::pair<const model::Labels, PendingSeries>* last_series = nullptr;
  };
  enum class Part { kValue, kBucket, kSum, kCount, kCreated };

  PendingFamily& FamilyFor(std::string_view name, std::size_t line);
  // Which family a sample name belongs to, and which part of a series it is.
  std::pair<PendingFamily*, Part> Resolve(std::string_view name, std::size_t line);
  std::pair<PendingFamily*, Part> ResolveUncached(std::string_view name, std::size_t line);
  // The pending series with these labels, added if new.
  std::pair<const model::Labels, PendingSeries>& SeriesFor(PendingFamily& family, std::size_t line);
  // A histogram's or summary's pending parts as one series.
  static void FinishSeries(const PendingFamily& family, model::Labels labels,
                           PendingSeries& pending, model::Series& out);

  std::string Where(std::size_t line) const;

  const Limits limits_;  // a copy: a temporary Limits must not dangle
  std::string_view unit_;
  bool openmetrics_ = false;
  // The builder lives only while one push is parsed, so its series nodes are never
  // freed one by one. A typical push's nodes fit in the inline buffer; larger pushes
  // take more from the heap in growing blocks.
  std::array<std::byte, 4096> arena_buffer_;
  std::pmr::monotonic_buffer_resource arena_{arena_buffer_.data(), arena_buffer_.size()};
  std::vector<PendingFamily> families_;  // in order of first appearance
  // The previous sample's name and where it went. Samples of one family come one after
  // another; a TYPE or HELP line may change where a name goes, so they clear this
  // (empty: nothing remembered).
  std::string last_name_;
  std::size_t last_family_ = 0;
  Part last_part_ = Part::kValue;
  // Transparent, so a sample's name is looked up without building a std::string.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
      return std::hash<std::string_view>{}(name);
    }
  };
  std::unordered_map<std::string, std::size_t, NameHash, std::equal_to<>> index_;
  // The sample being added: its series labels and its metadata labels, reused from
  // sample to sample.
  std::vector<model::LabelRef> labels_;
  std::vector<model::LabelRef> metadata_;
  std::vector<model::LabelRef> converted_;  // owned labels seen as views
};

}  // namespace accumulator::parse
