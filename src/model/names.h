#pragma once

#include <array>
#include <string_view>

namespace accumulator::model {

namespace name_chars {
// Character classes as a table: names are checked on every pushed sample.
enum CharClass : unsigned char { kDigit = 1, kLetterOrUnderscore = 2, kColon = 4 };

constexpr std::array<unsigned char, 256> MakeCharClasses() {
  std::array<unsigned char, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = kDigit;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = kLetterOrUnderscore;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = kLetterOrUnderscore;
  table['_'] = kLetterOrUnderscore;
  table[':'] = kColon;
  return table;
}
inline constexpr std::array<unsigned char, 256> kCharClasses = MakeCharClasses();
}  // namespace name_chars

// [a-zA-Z0-9_:]: what a metric name may continue with (parsers scan names with it).
inline bool IsMetricNameChar(char c) {
  return name_chars::kCharClasses[static_cast<unsigned char>(c)] != 0;
}

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
