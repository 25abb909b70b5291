#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/cron.h"

namespace accumulator::config {

// One metric group (SPEC §5). Immutable once loaded.
struct GroupConfig {
  std::string name;                    // URL segment: /update/<name>, /metrics/<name>
  std::optional<std::string> api_key;  // required in X-API-KEY when set
  // When set, reading the group (/metrics/<group>, its part of /metrics, /api/v1/metrics)
  // needs this key, the group's api_key or the admin key.
  std::optional<std::string> read_api_key;
  std::size_t max_time_series = 10'000;
  bool display_metrics = false;
  std::optional<CronSchedule> restart_cron;  // the group's, else the global one
  std::chrono::seconds series_ttl{3600};     // 0: never expire
  double push_rate_limit = 0;                // pushes per second; 0: unlimited
  std::vector<std::pair<std::string, std::string>> service_discovery_labels;
};

enum class FsyncMode { kAlways, kInterval, kNever };

struct PersistenceConfig {
  std::string dir;  // empty: in memory only
  FsyncMode fsync = FsyncMode::kAlways;
  std::chrono::milliseconds fsync_interval{1000};  // for FsyncMode::kInterval
  std::chrono::seconds snapshot_interval{300};
};

// Shared state in Redis (SPEC §7); read at start, a change needs a restart.
enum class RedisMode { kStandalone, kSentinel };
struct RedisConfig {
  std::string url;  // empty: this process keeps its own state
  RedisMode mode = RedisMode::kStandalone;
  std::vector<std::string> sentinels;  // host:port, for kSentinel
  std::string sentinel_master;
  std::string key_prefix = "ma";
  std::string ca_file;
  // global.redis.password, or the key directory's redis-password (which wins); either
  // wins over the URL's.
  std::optional<std::string> password;

  bool operator==(const RedisConfig&) const = default;
};

// The whole validated configuration. Shared immutably (std::shared_ptr<const Config>)
// and swapped as a whole on reload.
struct Config {
  std::string host_address = "localhost:8080";
  std::string default_group = "default";
  std::optional<std::string> admin_api_key;
  std::chrono::seconds idempotency_window{600};
  PersistenceConfig persistence;
  RedisConfig redis;
  // Record fields of the JSON push API that also become labels (SPEC §3.3).
  bool json_hostname_label = false;
  bool json_pid_label = false;
  std::vector<GroupConfig> groups;  // in file order: earlier groups win exposition conflicts

  std::string source_text;  // the YAML as read
  std::string source_path;  // absolute path; empty for the embedded default

  const GroupConfig* FindGroup(std::string_view name) const;
  // source_text with every API key replaced by <redacted>.
  std::string RedactedText() const;
};

}  // namespace accumulator::config
