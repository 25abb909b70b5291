#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "config/config_holder.h"
#include "http/api.h"
#include "http/api_stats.h"
#include "http/server.h"
#include "persist/persistence.h"
#include "shared/shared_store.h"
#include "store/series_store.h"

namespace accumulator::app {

struct ServiceOptions {
  std::optional<std::string> config_file;  // none: the embedded default
  std::string listen = "0.0.0.0:8080";
  std::optional<std::string> data_dir;     // overrides global.persistence.dir
  std::optional<std::string> redis_url;    // overrides global.redis.url
  std::optional<std::string> api_key_dir;  // key files, see config::ApplyKeyDirectory
  std::string tls_cert_file;               // HTTPS when set, with tls_key_file
  std::string tls_key_file;
  std::size_t max_body_bytes = std::size_t{16} * 1024 * 1024;
  unsigned threads = 0;  // 0: one per core
  std::string version;
};

// Builds the modules in order, owns them, and runs the server and the background
// ticker (TTL sweep, cron resets). Start() once, then Stop() once.
class Service {
 public:
  // `clock` must outlive the service.
  Service(ServiceOptions options, const Clock& clock);
  ~Service();

  // Loads the configuration (kFailedPrecondition if invalid), listens, starts threads.
  Status Start();
  // SIGHUP: reload as the endpoint does, with the outcome logged and counted.
  Status ReloadFromSignal();
  void Stop();

 private:
  // Re-reads the configuration file; the old one stays if the new one is invalid.
  Status Reload();
  Result<config::Config> LoadConfig() const;
  Status ApplyConfig(config::Config config);
  // Picks the store: shared through Redis if a URL is configured, else this process's.
  Status MakeStore(const config::Config& config);
  // Recovers stored state from the data directory, if one is configured.
  Status OpenPersistence(const config::Config& config);
  void LogRecovery() const;

  ServiceOptions options_;
  const Clock& clock_;
  // One of the two, and store_ is it.
  std::unique_ptr<store::SeriesStore> local_store_;
  std::unique_ptr<shared::SharedStore> shared_store_;
  store::Store* store_ = nullptr;
  std::unique_ptr<persist::Persistence> persistence_;
  config::PersistenceConfig persistence_config_;  // as started; changes need a restart
  config::RedisConfig redis_config_;              // as started, likewise
  http::ApiStats stats_;
  std::unique_ptr<config::ConfigHolder> config_;
  std::unique_ptr<http::Api> api_;
  std::unique_ptr<http::Server> server_;
  std::vector<std::jthread> threads_;
  std::atomic<bool> ready_{false};
};

}  // namespace accumulator::app
