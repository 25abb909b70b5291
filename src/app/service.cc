#include "app/service.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>

#include "app/reset_scheduler.h"
#include "common/log.h"
#include "config/config_loader.h"

namespace accumulator::app {
namespace {

// Bounds the memory of Idempotency-Key answers (about 100 bytes each).
constexpr std::size_t kMaxIdempotencyKeys = 1'000'000;

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
  if (!config.persistence.dir.empty()) {
    log::Warn(
        "global.persistence is set, but this version keeps series in memory only; "
        "they do not survive a restart");
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
    : options_(std::move(options)),
      clock_(clock),
      store_(clock),
      idempotency_(clock, kMaxIdempotencyKeys) {}

Service::~Service() { Stop(); }

Result<config::Config> Service::LoadConfig() const {
  if (options_.config_file) return config::LoadConfigFile(*options_.config_file);
  return config::ParseConfig(config::EmbeddedDefaultYaml(), "embedded default");
}

Status Service::ApplyConfig(config::Config config) {
  WarnAboutConfig(config);
  // Groups that still exist keep their series; removed groups are dropped (SPEC §3.1).
  store_.Configure(StoreSettings(config));
  config_->Set(std::make_shared<const config::Config>(std::move(config)));
  return Status::Ok();
}

Status Service::Reload() {
  auto config = LoadConfig();
  if (!config.ok()) return config.status();
  return ApplyConfig(std::move(*config));
}

Status Service::Start() {
  auto config = LoadConfig();
  if (!config.ok()) return config.status();
  const std::size_t groups = config->groups.size();
  const std::string source =
      config->source_path.empty() ? std::string("the embedded default") : config->source_path;
  config_ = std::make_unique<config::ConfigHolder>(nullptr);
  (void)ApplyConfig(std::move(*config));

  http::ApiOptions api_options;
  api_options.max_body_bytes = options_.max_body_bytes;
  api_options.version = options_.version;
  api_options.start_time = clock_.Now();
  api_ = std::make_unique<http::Api>(
      store_, idempotency_, *config_, clock_, stats_, [this] { return Reload(); }, api_options);
  http::ServerOptions server_options;
  server_options.listen = options_.listen;
  server_options.max_body_bytes = options_.max_body_bytes;
  server_ = std::make_unique<http::Server>(
      server_options, [this](const http::Request& r) { return api_->Handle(r); });
  if (Status s = server_->Listen(); !s.ok()) return s;

  const unsigned n =
      options_.threads > 0 ? options_.threads : std::max(2U, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { server_->Run(); });
  threads_.emplace_back([this](const std::stop_token& stop) {
    std::mutex mu;
    std::condition_variable_any cv;
    ResetScheduler scheduler;
    while (!stop.stop_requested()) {
      const TimePoint now = clock_.Now();
      for (const std::string& group : scheduler.Due(*config_->Get(), now)) {
        if (store_.Reset(group).ok())
          log::Info("metric group \"" + group + "\" reset by its restartCronExpression");
      }
      store_.ExpireIdle();
      std::unique_lock lock(mu);
      cv.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
    }
  });
  // No state to recover yet: the in-memory store is ready as soon as config is loaded.
  api_->SetReady(true);
  log::Info("metrics-accumulator " + options_.version + " listening on " + server_->BoundAddress() +
            " with " + std::to_string(groups) + " metric group(s) from " + source);
  return Status::Ok();
}

void Service::Stop() {
  if (server_ == nullptr || threads_.empty()) return;
  api_->SetReady(false);
  server_->Stop(std::chrono::seconds(10));
  for (auto& t : threads_) t.request_stop();
  threads_.clear();  // joins
  log::Info("metrics-accumulator stopped");
}

Status Service::ReloadFromSignal() { return api_->Reload(); }

}  // namespace accumulator::app
