#pragma once

#include <string_view>

namespace accumulator::model {

// Prometheus naming rules (https://prometheus.io/docs/concepts/data_model/).
bool IsValidMetricName(std::string_view name);    // [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidLabelName(std::string_view name);     // [a-zA-Z_][a-zA-Z0-9_]*
bool IsReservedLabelName(std::string_view name);  // starts with "__"
bool IsValidUtf8(std::string_view text);

// Labels with this prefix steer the accumulator (SPEC §2); they are never part of a
// series' identity and never exposed.
inline constexpr std::string_view kMetadataLabelPrefix = "_metrics_accumulator_";
inline constexpr std::string_view kLatestLabel = "_metrics_accumulator_latest";
// Names a cumulative writer (SPEC §2): its counters are running totals, not increments.
inline constexpr std::string_view kWriterLabel = "_metrics_accumulator_writer";
bool IsMetadataLabel(std::string_view name);

}  // namespace accumulator::model
