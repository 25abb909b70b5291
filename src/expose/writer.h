#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "expose/content_type.h"
#include "model/metric.h"
#include "model/packed_labels.h"

namespace accumulator::expose {

// Writes an exposition one series at a time, in the text format 0.0.4 or OpenMetrics
// 1.0, so that a scrape formats straight from the store without copying it first.
// Families are written in the order they are begun (the caller sorts them).
//
// Text: info and stateset families, which 0.0.4 has no word for, are written as gauges.
// OpenMetrics: counters stored as `x_total` become family `x` with sample `x_total`;
// info `x_info` becomes family `x`; untyped families are written as `unknown`.
class ExpositionWriter {
 public:
  ExpositionWriter(ScrapeFormat format, std::string& out) : format_(format), out_(out) {}

  // Starts a family. Its HELP and TYPE lines are written with its first series, so a
  // family whose series all expired leaves nothing behind.
  void BeginFamily(std::string_view name, model::MetricType type, std::string_view help);
  void AddSeries(std::span<const model::LabelRef> labels, const model::Value& value);
  void AddSeries(const model::Labels& labels, const model::Value& value);
  // BeginFamily, then each series.
  void AddFamily(const model::Family& family);
  // Ends the exposition (OpenMetrics: "# EOF").
  void Finish();

 private:
  void WriteHeader();
  void AppendSample(std::string_view suffix, std::span<const model::LabelRef> labels,
                    std::string_view extra_name, double extra_value, double value);

  const ScrapeFormat format_;
  std::string& out_;
  std::string name_;         // the family's name on the wire
  std::string_view suffix_;  // of its scalar samples (OpenMetrics `_total`, `_info`)
  std::string_view type_name_;
  std::string help_;
  bool header_written_ = true;
  std::vector<model::LabelRef> refs_;  // reused by AddSeries(const Labels&)
  std::vector<char> scratch_;          // for sample lines too long for the stack
};

}  // namespace accumulator::expose
