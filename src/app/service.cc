#include "app/service.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>

#include "app/reset_scheduler.h"
#include "common/log.h"
#include "config/config_loader.h"

namespace accumulator::app {
namespace {

std::vector<store::GroupSettings> StoreSettings(const config::Config& config) {
  std::vector<store::GroupSettings> out;
  for (const config::GroupConfig& g : config.groups) {
    out.push_back({g.name, g.max_time_series, g.series_ttl});
  }
  return out;
}

void WarnAboutConfig(const config::Config& config) {
  if (!config.admin_api_key) {
    log::Warn(
        "global.adminApiKey is not set: reset and reload endpoints are open to anyone "
        "who can reach the server");
  }
  std::map<std::string, std::string> owners;
  for (const config::GroupConfig& g : config.groups) {
    if (!g.api_key) continue;
    auto [it, inserted] = owners.emplace(*g.api_key, g.name);
    if (!inserted) {
      log::Warn("metric groups \"" + it->second + "\" and \"" + g.name +
                "\" share one API key; each still needs its own group in the URL");
    }
  }
}

}  // namespace

Service::Service(ServiceOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

Service::~Service() { Stop(); }

Result<config::Config> Service::LoadConfig() const {
  auto config = options_.config_file
                    ? config::LoadConfigFile(*options_.config_file)
                    : config::ParseConfig(config::EmbeddedDefaultYaml(), "embedded default");
  if (config.ok() && options_.api_key_dir) {
    // Read again on every reload, so a rotated Secret takes effect with it.
    if (Status s = config::ApplyKeyDirectory(*options_.api_key_dir, *config); !s.ok()) return s;
  }
  return config;
}

Status Service::ApplyConfig(config::Config config) {
  WarnAboutConfig(config);
  const config::PersistenceConfig& p = config.persistence;
  if (config_->Get() != nullptr && !options_.data_dir &&
      (p.dir != persistence_config_.dir || p.fsync != persistence_config_.fsync ||
       p.fsync_interval != persistence_config_.fsync_interval)) {
    log::Warn("global.persistence changed; the change takes effect at the next restart");
  }
  if (config_->Get() != nullptr && !options_.redis_url && config.redis != redis_config_) {
    log::Warn("global.redis changed; the change takes effect at the next restart");
  }
  // Groups that still exist keep their series; removed groups are dropped (SPEC §3.1).
  store_->Configure(StoreSettings(config));
  config_->Set(std::make_shared<const config::Config>(std::move(config)));
  return Status::Ok();
}

Status Service::Reload() {
  auto config = LoadConfig();
  if (!config.ok()) return config.status();
  return ApplyConfig(std::move(*config));
}

persist::FsyncPolicy PolicyOf(config::FsyncMode mode) {
  switch (mode) {
    case config::FsyncMode::kAlways:
      return persist::FsyncPolicy::kAlways;
    case config::FsyncMode::kInterval:
      return persist::FsyncPolicy::kInterval;
    case config::FsyncMode::kNever:
      return persist::FsyncPolicy::kNever;
  }
  return persist::FsyncPolicy::kAlways;
}

Status Service::MakeStore(const config::Config& config) {
  config::RedisConfig redis = config.redis;
  if (options_.redis_url) redis.url = *options_.redis_url;
  redis_config_ = redis;
  if (redis.url.empty()) {
    local_store_ = std::make_unique<store::SeriesStore>(clock_);
    store_ = local_store_.get();
    return Status::Ok();
  }
  if (options_.data_dir || !config.persistence.dir.empty()) {
    return Status::FailedPrecondition(
        "a data directory (--data-dir or global.persistence.dir) and shared state in Redis "
        "(--redis-url or global.redis.url) exclude each other: with Redis, Redis is the durable "
        "state");
  }
  auto endpoint = redis::ParseRedisUrl(redis.url);
  if (!endpoint.ok()) {
    return Status::FailedPrecondition("Redis URL: " + endpoint.status().message());
  }
  shared::SharedStateOptions options;
  options.endpoint = *endpoint;
  if (redis.password) options.endpoint.password = *redis.password;
  options.connect.ca_file = redis.ca_file;
  options.key_prefix = redis.key_prefix;
  if (redis.mode == config::RedisMode::kSentinel) {
    for (const std::string& sentinel : redis.sentinels) {
      auto parsed = redis::ParseRedisUrl("redis://" + sentinel);
      if (!parsed.ok()) {
        return Status::FailedPrecondition("global.redis.sentinels: \"" + sentinel +
                                          "\" is not host:port");
      }
      parsed->tls = endpoint->tls;
      options.sentinels.push_back(*parsed);
    }
    options.sentinel_master = redis.sentinel_master;
  }
  shared_store_ = std::make_unique<shared::SharedStore>(clock_, std::move(options));
  store_ = shared_store_.get();
  // The address only: the URL may hold the password.
  log::Info("shared state in Redis at " + endpoint->host + ":" + std::to_string(endpoint->port) +
            (redis.mode == config::RedisMode::kSentinel ? " (through its sentinels)" : "") +
            ", keys under {" + redis.key_prefix + ":<group>}");
  return Status::Ok();
}

Status Service::OpenPersistence(const config::Config& config) {
  persistence_config_ = config.persistence;
  if (options_.data_dir) persistence_config_.dir = *options_.data_dir;
  if (shared_store_ != nullptr) return Status::Ok();  // Redis is the durable state
  if (persistence_config_.dir.empty()) {
    log::Info(
        "no data directory (--data-dir or global.persistence.dir): series are kept in "
        "memory only and are lost when the process stops");
    return Status::Ok();
  }
  persist::PersistenceOptions options;
  options.dir = persistence_config_.dir;
  options.policy = PolicyOf(persistence_config_.fsync);
  options.fsync_interval = persistence_config_.fsync_interval;
  options.snapshot_interval = persistence_config_.snapshot_interval;
  options.server_version = options_.version;
  auto opened = persist::Persistence::Open(options, *local_store_, clock_);
  if (!opened.ok()) {
    return Status::Unavailable("cannot use data directory " + options.dir + ": " +
                               opened.status().message());
  }
  persistence_ = std::move(*opened);
  for (const std::string& problem : persistence_->recovery().problems) {
    log::Warn("recovery: " + problem);
  }
  return Status::Ok();
}

void Service::LogRecovery() const {
  const persist::RecoveryReport& report = persistence_->recovery();
  std::size_t series = 0;
  for (const config::GroupConfig& group : config_->Get()->groups) {
    if (auto stats = store_->Stats(group.name); stats.ok()) series += stats->series;
  }
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", report.seconds);
  std::string line = "recovered " + std::to_string(series) + " series in " +
                     std::to_string(config_->Get()->groups.size()) + " group(s) from " +
                     (report.snapshot.empty() ? std::string("no snapshot") : report.snapshot) +
                     " and " + std::to_string(report.records) + " log record(s) in " + seconds +
                     " s (data directory " + persistence_config_.dir + ")";
  if (!report.problems.empty()) {
    line += "; " + std::to_string(report.problems.size()) +
            " problem(s): " + std::to_string(report.skipped_records) + " record(s) skipped, " +
            std::to_string(report.truncated_bytes) + " damaged byte(s) cut off";
  }
  log::Info(line);
}

Status Service::Start() {
  auto config = LoadConfig();
  if (!config.ok()) return config.status();
  const std::size_t groups = config->groups.size();
  const std::string source =
      config->source_path.empty() ? std::string("the embedded default") : config->source_path;
  config_ = std::make_unique<config::ConfigHolder>(nullptr);
  const config::Config initial = *config;
  if (Status s = MakeStore(initial); !s.ok()) return s;

  http::ApiOptions api_options;
  api_options.max_body_bytes = options_.max_body_bytes;
  api_options.version = options_.version;
  api_options.start_time = clock_.Now();
  if (shared_store_ != nullptr) {
    api_options.not_ready_reason =
        "the shared state (Redis) is unreachable or still being read; nothing was applied";
  }
  api_options.extra_self_metrics = [this] {
    if (shared_store_ != nullptr) return shared_store_->SelfMetrics();
    return persistence_ != nullptr && ready_ ? persistence_->SelfMetrics()
                                             : std::vector<model::Family>{};
  };
  api_ = std::make_unique<http::Api>(
      *store_, *config_, clock_, stats_, [this] { return Reload(); }, api_options);
  unsigned n =
      options_.threads > 0 ? options_.threads : std::max(2U, std::thread::hardware_concurrency());
  http::ServerOptions server_options;
  server_options.threads = n;
  server_options.listen = options_.listen;
  server_options.max_body_bytes = options_.max_body_bytes;
  server_options.tls_cert_file = options_.tls_cert_file;
  server_options.tls_key_file = options_.tls_key_file;
  server_ = std::make_unique<http::Server>(
      server_options, [this](const http::Request& r) { return api_->Handle(r); });
  // Listening before recovery lets probes see the process live (and not yet ready).
  if (Status s = server_->Listen(); !s.ok()) return s;
  config_->Set(std::make_shared<const config::Config>(initial));
  for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { server_->Run(); });

  if (Status s = OpenPersistence(initial); !s.ok()) {
    server_->Stop(std::chrono::seconds(1));
    threads_.clear();
    return s;
  }
  // Groups come from the configuration; recovered groups it no longer lists go.
  (void)ApplyConfig(std::move(*config));
  if (persistence_ != nullptr) {
    LogRecovery();
    local_store_->SetJournal(persistence_.get());
    // A fresh snapshot makes the next start fast and covers any damage just cut off.
    if (persistence_->recovery().records > 0 || !persistence_->recovery().problems.empty()) {
      (void)persistence_->Checkpoint();
    }
  }

  threads_.emplace_back([this](const std::stop_token& stop) {
    std::mutex mu;
    std::condition_variable_any cv;
    ResetScheduler scheduler;
    while (!stop.stop_requested()) {
      const TimePoint now = clock_.Now();
      for (const ResetScheduler::DueReset& reset : scheduler.Due(*config_->Get(), now)) {
        const std::string& group = reset.group;
        if (Status s = store_->ScheduledReset(group, reset.due); s.ok()) {
          log::Info("metric group \"" + group + "\" reset by its restartCronExpression");
        } else {
          log::Error("metric group \"" + group + "\" could not be reset: " + s.message());
        }
      }
      store_->ExpireIdle();
      std::unique_lock lock(mu);
      cv.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
    }
  });
  if (persistence_ != nullptr) {
    // Snapshots run apart from the ticker, so a long one never delays a cron reset.
    threads_.emplace_back([this](const std::stop_token& stop) {
      std::mutex mu;
      std::condition_variable_any cv;
      while (!stop.stop_requested()) {
        persistence_->CheckpointIfDue();
        std::unique_lock lock(mu);
        cv.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
      }
    });
  }
  if (shared_store_ != nullptr) {
    shared_store_->Start();
    // Ready while Redis is there and the log is applied (SPEC §7); /health stays 200.
    threads_.emplace_back([this](const std::stop_token& stop) {
      std::mutex mu;
      std::condition_variable_any cv;
      while (!stop.stop_requested()) {
        api_->SetReady(shared_store_->Ready());
        std::unique_lock lock(mu);
        cv.wait_for(lock, stop, std::chrono::milliseconds(100), [] { return false; });
      }
    });
  } else {
    api_->SetReady(true);
  }
  ready_ = true;
  log::Info("metrics-accumulator " + options_.version + " listening on " +
            (options_.tls_cert_file.empty() ? "" : "https://") + server_->BoundAddress() +
            " with " + std::to_string(groups) + " metric group(s) from " + source);
  return Status::Ok();
}

void Service::Stop() {
  if (server_ == nullptr || threads_.empty()) return;
  api_->SetReady(false);
  server_->Stop(std::chrono::seconds(10));
  for (auto& t : threads_) t.request_stop();
  threads_.clear();  // joins
  if (shared_store_ != nullptr) shared_store_->Stop();
  if (persistence_ != nullptr) {
    // Nothing changes any more: a last snapshot makes the next start read no log.
    if (Status s = persistence_->Checkpoint(); !s.ok()) {
      log::Warn("final snapshot failed; the next start replays the log: " + s.message());
    }
    local_store_->SetJournal(nullptr);
    persistence_.reset();
  }
  log::Info("metrics-accumulator stopped");
}

Status Service::ReloadFromSignal() {
  if (Status s = server_->ReloadTls(); !s.ok()) {
    log::Error("TLS certificate not reloaded, the previous one stays in use: " + s.message());
  } else if (!options_.tls_cert_file.empty()) {
    log::Info("TLS certificate reloaded from " + options_.tls_cert_file);
  }
  return api_->Reload();
}

}  // namespace accumulator::app
