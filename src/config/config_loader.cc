#include "config/config_loader.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <system_error>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "model/names.h"

namespace accumulator::config {
namespace {

constexpr std::string_view kEmbeddedDefault =
    R"(# Embedded default configuration of metrics-accumulator.
global:
  hostAddress: localhost:8080
  seriesTtl: 1h
  defaultGroup: default
metricGroups:
  default:
    name: default
    maxTimeSeries: 10000
    displayMetrics: true
)";

// Collects every problem so the operator fixes them all in one go.
class Problems {
 public:
  explicit Problems(std::string_view source) : source_(source) {}
  void Add(const YAML::Node& node, const std::string& key, const std::string& reason) {
    std::string line;
    if (node.IsDefined() && node.Mark().line >= 0) {
      line = ":" + std::to_string(node.Mark().line + 1);
    }
    list_.push_back(source_ + line + ": " + key + ": " + reason);
  }
  void AddPlain(const std::string& text) { list_.push_back(source_ + ": " + text); }
  bool empty() const { return list_.empty(); }
  std::string Joined() const {
    std::string out = "invalid configuration: ";
    for (std::size_t i = 0; i < list_.size(); ++i) {
      if (i > 0) out += "; ";
      out += list_[i];
    }
    return out;
  }

 private:
  std::string source_;
  std::vector<std::string> list_;
};

std::optional<std::size_t> ParsePositiveInteger(std::string_view text) {
  std::size_t n = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || ptr != end || n == 0) return std::nullopt;
  return n;
}

bool IsGroupName(std::string_view name) {
  static const std::regex kPattern("^[-a-zA-Z0-9_]+$");
  return std::regex_match(name.begin(), name.end(), kPattern);
}

std::optional<std::string> Scalar(const YAML::Node& node, const std::string& key,
                                  Problems& problems) {
  if (!node.IsScalar()) {
    problems.Add(node, key, "must be a single value");
    return std::nullopt;
  }
  return node.Scalar();
}

void CheckKeys(const YAML::Node& map, const std::string& where,
               std::initializer_list<std::string_view> allowed, Problems& problems) {
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string known;
      for (std::string_view a : allowed) {
        if (!known.empty()) known += ", ";
        known += a;
      }
      problems.Add(kv.first, where.empty() ? key : where + "." + key,
                   "unknown key (known here: " + known + ")");
    }
  }
}

std::optional<std::chrono::seconds> DurationField(const YAML::Node& node, const std::string& key,
                                                  Problems& problems) {
  auto text = Scalar(node, key, problems);
  if (!text) return std::nullopt;
  auto d = ParseDuration(*text);
  if (!d) problems.Add(node, key, "\"" + *text + "\" is not a duration such as 90s, 15m or 1h");
  return d;
}

std::optional<CronSchedule> CronField(const YAML::Node& node, const std::string& key,
                                      Problems& problems) {
  auto text = Scalar(node, key, problems);
  if (!text) return std::nullopt;
  auto cron = CronSchedule::Parse(*text);
  if (!cron.ok()) {
    problems.Add(node, key, cron.status().message());
    return std::nullopt;
  }
  return *cron;
}

// A key, or "${NAME}": the value of environment variable NAME, so a Kubernetes Secret
// exposed as an environment variable never has to be written into the file.
std::optional<std::string> KeyField(const YAML::Node& node, const std::string& key,
                                    Problems& problems) {
  auto text = Scalar(node, key, problems);
  if (text && text->size() > 3 && text->starts_with("${") && text->ends_with("}")) {
    const std::string name = text->substr(2, text->size() - 3);
    // Environment variable names have label names' grammar: [a-zA-Z_][a-zA-Z0-9_]*.
    if (model::IsValidLabelName(name)) {
      // Read while the configuration loads; nothing in the server sets variables.
      const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
      if (value == nullptr || *value == '\0') {
        problems.Add(node, key, "environment variable " + name + " is not set");
        return std::nullopt;
      }
      return std::string(value);
    }
  }
  if (text && text->empty()) {
    problems.Add(node, key, "must not be empty (leave the key out for no key)");
    return std::nullopt;
  }
  return text;
}

struct GlobalDefaults {
  std::optional<CronSchedule> restart_cron;
  std::chrono::seconds series_ttl{3600};
  double push_rate_limit = 0;
};

// A positive number of pushes per second ("50", "0.5").
std::optional<double> RateField(const YAML::Node& node, const std::string& key,
                                Problems& problems) {
  auto text = Scalar(node, key, problems);
  if (!text) return std::nullopt;
  double rate = 0;
  const std::string_view digits = *text;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), rate);
  if (ec != std::errc() || end != digits.data() + digits.size() || !(rate > 0) || rate > 1e9) {
    problems.Add(node, key, "\"" + *text + "\" must be a positive number of pushes per second");
    return std::nullopt;
  }
  return rate;
}

void ParseRedis(const YAML::Node& node, RedisConfig& redis, Problems& problems) {
  if (!node.IsMap()) {
    problems.Add(node, "global.redis", "must be a map");
    return;
  }
  CheckKeys(node, "global.redis",
            {"url", "mode", "sentinels", "sentinelMaster", "keyPrefix", "caFile", "password"},
            problems);
  if (auto n = node["url"]) {
    if (auto v = Scalar(n, "global.redis.url", problems)) redis.url = *v;
  }
  if (auto n = node["mode"]) {
    auto v = Scalar(n, "global.redis.mode", problems);
    if (v == "standalone") {
      redis.mode = RedisMode::kStandalone;
    } else if (v == "sentinel") {
      redis.mode = RedisMode::kSentinel;
    } else if (v) {
      problems.Add(n, "global.redis.mode", "must be standalone or sentinel");
    }
  }
  if (auto n = node["sentinels"]) {
    if (!n.IsSequence()) {
      problems.Add(n, "global.redis.sentinels", "must be a list of host:port");
    } else {
      for (const auto& item : n) {
        if (auto v = Scalar(item, "global.redis.sentinels", problems))
          redis.sentinels.push_back(*v);
      }
    }
  }
  if (auto n = node["sentinelMaster"]) {
    if (auto v = Scalar(n, "global.redis.sentinelMaster", problems)) redis.sentinel_master = *v;
  }
  if (auto n = node["keyPrefix"]) {
    auto v = Scalar(n, "global.redis.keyPrefix", problems);
    if (v && (v->empty() || v->find_first_of("{}") != std::string::npos)) {
      problems.Add(n, "global.redis.keyPrefix", "must be non-empty, without { or }");
    } else if (v) {
      redis.key_prefix = *v;
    }
  }
  if (auto n = node["caFile"]) {
    if (auto v = Scalar(n, "global.redis.caFile", problems)) redis.ca_file = *v;
  }
  if (auto n = node["password"]) redis.password = KeyField(n, "global.redis.password", problems);
  if (redis.mode == RedisMode::kSentinel && !redis.url.empty() &&
      (redis.sentinels.empty() || redis.sentinel_master.empty())) {
    problems.Add(node, "global.redis", "mode sentinel needs sentinels and sentinelMaster");
  }
}

void ParseGlobal(const YAML::Node& global, Config& config, GlobalDefaults& defaults,
                 bool& default_group_explicit, Problems& problems) {
  if (!global.IsMap()) {
    problems.Add(global, "global", "must be a map");
    return;
  }
  CheckKeys(global, "global",
            {"hostAddress", "restartCronExpression", "seriesTtl", "pushRateLimit", "defaultGroup",
             "adminApiKey", "idempotencyWindow", "persistence", "jsonRecordLabels", "redis"},
            problems);
  if (auto n = global["hostAddress"]) {
    if (auto v = Scalar(n, "global.hostAddress", problems)) config.host_address = *v;
  }
  if (auto n = global["restartCronExpression"]) {
    defaults.restart_cron = CronField(n, "global.restartCronExpression", problems);
  }
  if (auto n = global["pushRateLimit"]) {
    if (auto r = RateField(n, "global.pushRateLimit", problems)) defaults.push_rate_limit = *r;
  }
  if (auto n = global["seriesTtl"]) {
    if (auto d = DurationField(n, "global.seriesTtl", problems)) defaults.series_ttl = *d;
  }
  if (auto n = global["defaultGroup"]) {
    if (auto v = Scalar(n, "global.defaultGroup", problems)) {
      config.default_group = *v;
      default_group_explicit = true;
    }
  }
  if (auto n = global["adminApiKey"])
    config.admin_api_key = KeyField(n, "global.adminApiKey", problems);
  if (auto n = global["idempotencyWindow"]) {
    if (auto d = DurationField(n, "global.idempotencyWindow", problems)) {
      config.idempotency_window = *d;
    }
  }
  if (auto labels = global["jsonRecordLabels"]) {
    if (!labels.IsSequence()) {
      problems.Add(labels, "global.jsonRecordLabels", "must be a list, e.g. [hostname, pid]");
    } else {
      for (const auto& item : labels) {
        const std::string v = item.IsScalar() ? item.Scalar() : "";
        if (v == "hostname") {
          config.json_hostname_label = true;
        } else if (v == "pid") {
          config.json_pid_label = true;
        } else {
          problems.Add(item, "global.jsonRecordLabels", "\"" + v + "\" is not hostname or pid");
        }
      }
    }
  }
  if (auto r = global["redis"]) ParseRedis(r, config.redis, problems);
  if (auto p = global["persistence"]) {
    if (!p.IsMap()) {
      problems.Add(p, "global.persistence", "must be a map");
      return;
    }
    CheckKeys(p, "global.persistence", {"dir", "fsync", "fsyncInterval", "snapshotInterval"},
              problems);
    if (auto n = p["dir"]) {
      if (auto v = Scalar(n, "global.persistence.dir", problems)) config.persistence.dir = *v;
    }
    if (auto n = p["fsync"]) {
      auto v = Scalar(n, "global.persistence.fsync", problems);
      if (v == "always") {
        config.persistence.fsync = FsyncMode::kAlways;
      } else if (v == "interval") {
        config.persistence.fsync = FsyncMode::kInterval;
      } else if (v == "never") {
        config.persistence.fsync = FsyncMode::kNever;
      } else if (v) {
        problems.Add(n, "global.persistence.fsync", "must be always, interval or never");
      }
    }
    if (auto n = p["fsyncInterval"]) {
      const std::string key = "global.persistence.fsyncInterval";
      auto text = Scalar(n, key, problems);
      std::optional<std::chrono::milliseconds> interval;
      long long ms = 0;
      if (text && text->ends_with("ms")) {
        const std::string_view digits = std::string_view(*text).substr(0, text->size() - 2);
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ms);
        if (ec == std::errc() && end == digits.data() + digits.size() && ms > 0) {
          interval = std::chrono::milliseconds(ms);
        }
      } else if (text) {
        if (auto d = ParseDuration(*text); d && d->count() > 0) interval = *d;
      }
      if (interval) {
        config.persistence.fsync_interval = *interval;
      } else if (text) {
        problems.Add(n, key, "\"" + *text + "\" is not a positive duration such as 200ms or 1s");
      }
    }
    if (auto n = p["snapshotInterval"]) {
      if (auto d = DurationField(n, "global.persistence.snapshotInterval", problems)) {
        if (d->count() > 0) {
          config.persistence.snapshot_interval = *d;
        } else {
          problems.Add(n, "global.persistence.snapshotInterval", "must be positive");
        }
      }
    }
  }
}

void ParseGroup(const std::string& yaml_key, const YAML::Node& node, const GlobalDefaults& defaults,
                Config& config, Problems& problems) {
  const std::string where = "metricGroups." + yaml_key;
  if (!node.IsMap()) {
    problems.Add(node, where, "must be a map");
    return;
  }
  CheckKeys(node, where,
            {"name", "apiKey", "readApiKey", "maxTimeSeries", "displayMetrics",
             "restartCronExpression", "seriesTtl", "pushRateLimit", "serviceDiscoveryLabels"},
            problems);
  GroupConfig group;
  group.name = yaml_key;  // upstream requires `name`; we fall back to the map key
  group.restart_cron = defaults.restart_cron;
  group.series_ttl = defaults.series_ttl;
  group.push_rate_limit = defaults.push_rate_limit;
  if (auto n = node["pushRateLimit"]) {
    if (auto r = RateField(n, where + ".pushRateLimit", problems)) group.push_rate_limit = *r;
  }
  if (auto n = node["name"]) {
    if (auto v = Scalar(n, where + ".name", problems)) group.name = *v;
  }
  if (!IsGroupName(group.name)) {
    problems.Add(node["name"] ? node["name"] : node, where + ".name",
                 "\"" + group.name + "\" must match ^[-a-zA-Z0-9_]+$");
  }
  if (auto n = node["apiKey"]) group.api_key = KeyField(n, where + ".apiKey", problems);
  if (auto n = node["readApiKey"]) {
    group.read_api_key = KeyField(n, where + ".readApiKey", problems);
  }
  if (auto n = node["maxTimeSeries"]) {
    if (auto v = Scalar(n, where + ".maxTimeSeries", problems)) {
      if (auto max = ParsePositiveInteger(*v)) {
        group.max_time_series = *max;
      } else {
        problems.Add(n, where + ".maxTimeSeries", "\"" + *v + "\" must be a positive integer");
      }
    }
  }
  if (auto n = node["displayMetrics"]) {
    bool display = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, display)) {
      problems.Add(n, where + ".displayMetrics", "must be true or false");
    }
    group.display_metrics = display;
  }
  if (auto n = node["restartCronExpression"]) {
    group.restart_cron = CronField(n, where + ".restartCronExpression", problems);
  }
  if (auto n = node["seriesTtl"]) {
    if (auto d = DurationField(n, where + ".seriesTtl", problems)) group.series_ttl = *d;
  }
  if (auto labels = node["serviceDiscoveryLabels"]) {
    if (!labels.IsMap()) {
      problems.Add(labels, where + ".serviceDiscoveryLabels", "must be a map of label: value");
    } else {
      for (const auto& kv : labels) {
        const std::string name = kv.first.Scalar();
        if (!model::IsValidLabelName(name)) {
          problems.Add(kv.first, where + ".serviceDiscoveryLabels." + name,
                       "not a valid Prometheus label name");
        }
        if (auto v = Scalar(kv.second, where + ".serviceDiscoveryLabels." + name, problems)) {
          group.service_discovery_labels.emplace_back(name, *v);
        }
      }
    }
  }
  config.groups.push_back(std::move(group));
}

}  // namespace

std::string_view EmbeddedDefaultYaml() { return kEmbeddedDefault; }

std::optional<std::chrono::seconds> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long long total = 0;
  std::size_t i = 0;
  bool bare_number = true;
  while (i < text.size()) {
    long long n = 0;
    const auto [p, ec] = std::from_chars(text.data() + i, text.data() + text.size(), n);
    if (ec != std::errc() || n < 0) return std::nullopt;
    i = static_cast<std::size_t>(p - text.data());
    if (i == text.size()) {
      if (!bare_number) return std::nullopt;  // "1h30" is ambiguous
      if (n > kMaxDurationSeconds) return std::nullopt;
      return std::chrono::seconds(n);
    }
    bare_number = false;
    long long unit = 0;
    if (text.substr(i, 2) == "ms") {
      if (n % 1000 != 0) return std::nullopt;
      n /= 1000;
      unit = 1;
      i += 2;
    } else {
      switch (text[i]) {
        case 's':
          unit = 1;
          break;
        case 'm':
          unit = 60;
          break;
        case 'h':
          unit = 3600;
          break;
        case 'd':
          unit = 86400;
          break;
        case 'w':
          unit = 7LL * 86400;
          break;
        case 'y':
          unit = 365LL * 86400;
          break;
        default:
          return std::nullopt;
      }
      ++i;
    }
    // Beyond a century a duration can only be a typo, and larger ones would overflow
    // the nanosecond clock arithmetic they end up in.
    if (n > kMaxDurationSeconds / unit || total + n * unit > kMaxDurationSeconds) {
      return std::nullopt;
    }
    total += n * unit;
  }
  return std::chrono::seconds(total);
}

const GroupConfig* Config::FindGroup(std::string_view name) const {
  for (const GroupConfig& g : groups) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

std::string Config::RedactedText() const {
  // Marks what to hide in the original text, then writes it once, so a key that happens
  // to be part of "<redacted>" (or of another key) cannot garble or survive the result.
  std::vector<bool> hidden(source_text.size(), false);
  const auto hide = [&](std::size_t begin, std::size_t length) {
    std::fill_n(hidden.begin() + static_cast<std::ptrdiff_t>(begin), length, true);
  };
  // Block-style "apiKey: x" values, whatever they are...
  static const std::regex kKeyLine(
      R"((?:^|\n)[ \t-]*(?:apiKey|adminApiKey|readApiKey)[ \t]*:[ \t]*([^\n#]*))");
  for (auto it = std::sregex_iterator(source_text.begin(), source_text.end(), kKeyLine);
       it != std::sregex_iterator(); ++it) {
    hide(static_cast<std::size_t>(it->position(1)), static_cast<std::size_t>(it->length(1)));
  }
  // ...and every literal occurrence of a key, wherever the YAML put it (flow maps,
  // anchors, comments).
  std::vector<std::string> keys;
  if (admin_api_key) keys.push_back(*admin_api_key);
  for (const GroupConfig& g : groups) {
    if (g.api_key) keys.push_back(*g.api_key);
    if (g.read_api_key) keys.push_back(*g.read_api_key);
  }
  for (const std::string& key : keys) {
    for (std::size_t pos = source_text.find(key); pos != std::string::npos;
         pos = source_text.find(key, pos + 1)) {
      hide(pos, key.size());
    }
  }
  std::string text;
  text.reserve(source_text.size());
  for (std::size_t i = 0; i < source_text.size(); ++i) {
    if (!hidden[i]) {
      text += source_text[i];
    } else if (i == 0 || !hidden[i - 1]) {
      text += "<redacted>";
    }
  }
  return text;
}

Result<Config> ParseConfig(std::string_view yaml_text, std::string_view source_name) {
  Problems problems(source_name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return Status::FailedPrecondition("invalid configuration: " + std::string(source_name) + ":" +
                                      std::to_string(e.mark.line + 1) +
                                      ": not valid YAML: " + e.msg);
  }
  Config config;
  config.source_text = std::string(yaml_text);
  GlobalDefaults defaults;
  bool default_group_explicit = false;
  YAML::Node groups_node;
  if (root.IsNull()) {
    problems.AddPlain("the file is empty");
  } else if (!root.IsMap()) {
    problems.AddPlain("the top level must be a map with global and metricGroups");
  } else {
    CheckKeys(root, "", {"global", "metricGroups"}, problems);
    if (auto global = root["global"]) {
      ParseGlobal(global, config, defaults, default_group_explicit, problems);
    }
    groups_node = root["metricGroups"];
  }
  if (groups_node && !groups_node.IsNull()) {
    if (!groups_node.IsMap()) {
      problems.Add(groups_node, "metricGroups", "must be a map of groups");
    } else {
      for (const auto& kv : groups_node) {
        ParseGroup(kv.first.Scalar(), kv.second, defaults, config, problems);
      }
    }
  }
  if (problems.empty() && config.groups.empty()) {
    problems.AddPlain("metricGroups: at least one group is required");
  }
  std::set<std::string> names;
  for (const GroupConfig& g : config.groups) {
    if (!names.insert(g.name).second) {
      problems.AddPlain("metricGroups: two groups are named \"" + g.name + "\"");
    }
  }
  if (default_group_explicit && config.FindGroup(config.default_group) == nullptr) {
    problems.AddPlain("global.defaultGroup: no group is named \"" + config.default_group + "\"");
  }
  if (!problems.empty()) return Status::FailedPrecondition(problems.Joined());
  return config;
}

Result<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const std::error_code error(errno, std::generic_category());
    return Status::FailedPrecondition("cannot read configuration file " + path + ": " +
                                      error.message());
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto config = ParseConfig(text.str(), path);
  if (!config.ok()) return config;
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(path, ec);
  config->source_path = ec ? path : absolute.lexically_normal().string();
  return config;
}

namespace {

// The key in `path`, if the file exists.
Result<std::optional<std::string>> ReadKeyFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<std::string>();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FailedPrecondition("cannot read key file " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  std::string key = text.str();
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.empty()) return Status::FailedPrecondition("key file " + path.string() + " is empty");
  return std::optional<std::string>(std::move(key));
}

}  // namespace

Status ApplyKeyDirectory(const std::string& dir, Config& config) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::FailedPrecondition("key directory " + dir + " is not a readable directory");
  }
  auto admin = ReadKeyFile(std::filesystem::path(dir) / "admin-api-key");
  if (!admin.ok()) return admin.status();
  if (*admin) config.admin_api_key = std::move(**admin);
  auto redis_password = ReadKeyFile(std::filesystem::path(dir) / "redis-password");
  if (!redis_password.ok()) return redis_password.status();
  if (*redis_password) config.redis.password = std::move(**redis_password);
  for (GroupConfig& group : config.groups) {
    auto key = ReadKeyFile(std::filesystem::path(dir) / group.name);
    if (!key.ok()) return key.status();
    if (*key) group.api_key = std::move(**key);
    // '.' cannot occur in a group name, so "<group>.read" never names another group.
    auto read_key = ReadKeyFile(std::filesystem::path(dir) / (group.name + ".read"));
    if (!read_key.ok()) return read_key.status();
    if (*read_key) group.read_api_key = std::move(**read_key);
  }
  return Status::Ok();
}

}  // namespace accumulator::config
