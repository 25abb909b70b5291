#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "config/config.h"

namespace accumulator::config {

// The configuration served when no --config-file is given (SPEC §5): one key-less,
// displayed group "default" with maxTimeSeries 10000 and seriesTtl 1h.
std::string_view EmbeddedDefaultYaml();

// Parses and validates YAML text. On failure, kFailedPrecondition lists every
// problem found ("<source>:<line>: <key>: <reason>"), separated by "; ".
Result<Config> ParseConfig(std::string_view yaml_text, std::string_view source_name);

// Reads and parses a file; source_path becomes its absolute path.
Result<Config> LoadConfigFile(const std::string& path);

// Keys kept out of the YAML (a mounted Kubernetes Secret): for every group, the files
// `dir/<group name>` (its apiKey) and `dir/<group name>.read` (its readApiKey), and for
// global.adminApiKey the file `dir/admin-api-key`, if present, set that key (a trailing newline is
// ignored; a file wins over the YAML). kFailedPrecondition if the directory or a key file cannot be
// read, or a key is empty.
Status ApplyKeyDirectory(const std::string& dir, Config& config);

// Durations as Prometheus writes them: "90s", "15m", "1h30m", "2d", "1w"; a bare
// number is seconds. Whole seconds only.
std::optional<std::chrono::seconds> ParseDuration(std::string_view text);
// The longest duration ParseDuration accepts: 100 years.
inline constexpr long long kMaxDurationSeconds = 100LL * 365 * 86400;

}  // namespace accumulator::config
