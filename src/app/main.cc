// metrics-accumulator: accumulates pushed Prometheus metrics and serves them.
// Exit codes: 0 clean stop, 1 cannot serve (e.g. port in use), 2 bad flags or config.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "app/service.h"
#include "common/log.h"

#ifdef MA_WITH_MIMALLOC
#include <mimalloc.h>
#endif

namespace {

using accumulator::app::Service;
using accumulator::app::ServiceOptions;
namespace log = accumulator::log;

constexpr std::string_view kUsage = R"(Usage: metrics-accumulator [flags]

Receives pushed Prometheus metrics, adds counters up across pushes, forgets series
that stop arriving, and serves everything to Prometheus.

Flags:
  --config-file=PATH     YAML configuration (upstream files work unchanged).
                         Without it, an embedded default serves one key-less
                         group "default".
  --listen=HOST:PORT     Address to serve on (default 0.0.0.0:8080).
  --tls-cert-file=FILE   Serve HTTPS with this PEM certificate chain ...
  --tls-key-file=FILE    ... and this PEM private key. Both are read again on
                         SIGHUP, so a renewed certificate needs no restart.
  --api-key-dir=DIR      Read keys from files: DIR/<group name> is that group's
                         API key, DIR/admin-api-key the admin key (e.g. a
                         mounted Kubernetes Secret). Re-read on reload.
  --data-dir=DIR         Keep accepted pushes in DIR (write-ahead log and
                         snapshots), so they survive restarts and crashes.
                         Overrides global.persistence.dir. Without either,
                         series live in memory only.
  --redis-url=URL        Share state with every replica using this Redis:
                         redis://[[user]:password@]host:port[/db], rediss://
                         for TLS. Overrides global.redis.url; excludes
                         --data-dir (Redis is then the durable state).
  --max-body-bytes=N     Largest request body, also after decompression
                         (default 16777216).
  --threads=N            HTTP worker threads (default: one per core, at least 2).
  --log-level=LEVEL      debug, info, warn or error (default info).
  --version              Print the version and exit.
  --help                 Print this help and exit.

Signals: SIGHUP reloads the configuration (and the TLS certificate); SIGTERM and
SIGINT stop cleanly.
)";

struct Flags {
  ServiceOptions service;
  log::Level level = log::Level::kInfo;
};

// Accepts --name=value and --name value, as the upstream's Spring launcher did.
std::optional<Flags> ParseFlags(int argc, char** argv, int& exit_code) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      exit_code = 0;
      return std::nullopt;
    }
    if (arg == "--version") {
      std::cout << "metrics-accumulator " << MA_VERSION << "\n";
      exit_code = 0;
      return std::nullopt;
    }
    std::string name = arg;
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    const auto need_value = [&]() -> std::optional<std::string> {
      if (value) return value;
      if (i + 1 < argc) return std::string(argv[++i]);
      std::cerr << "metrics-accumulator: " << name << " needs a value\n";
      return std::nullopt;
    };
    exit_code = 2;
    if (name == "--config-file") {
      auto v = need_value();
      if (!v) return std::nullopt;
      flags.service.config_file = *v;
    } else if (name == "--listen") {
      auto v = need_value();
      if (!v) return std::nullopt;
      flags.service.listen = *v;
    } else if (name == "--data-dir") {
      auto v = need_value();
      if (!v) return std::nullopt;
      if (v->empty()) {
        std::cerr << "metrics-accumulator: --data-dir needs a directory\n";
        return std::nullopt;
      }
      flags.service.data_dir = *v;
    } else if (name == "--redis-url") {
      auto v = need_value();
      if (!v) return std::nullopt;
      if (v->empty()) {
        std::cerr << "metrics-accumulator: --redis-url needs a URL\n";
        return std::nullopt;
      }
      flags.service.redis_url = *v;
    } else if (name == "--tls-cert-file" || name == "--tls-key-file") {
      auto v = need_value();
      if (!v) return std::nullopt;
      (name == "--tls-cert-file" ? flags.service.tls_cert_file : flags.service.tls_key_file) = *v;
    } else if (name == "--api-key-dir") {
      auto v = need_value();
      if (!v) return std::nullopt;
      flags.service.api_key_dir = *v;
    } else if (name == "--max-body-bytes" || name == "--threads") {
      auto v = need_value();
      if (!v) return std::nullopt;
      char* end = nullptr;
      const unsigned long long n = std::strtoull(v->c_str(), &end, 10);
      if (v->empty() || *end != '\0' || n == 0) {
        std::cerr << "metrics-accumulator: " << name << " must be a positive integer, got \"" << *v
                  << "\"\n";
        return std::nullopt;
      }
      if (name == "--threads") {
        flags.service.threads = static_cast<unsigned>(n);
      } else {
        flags.service.max_body_bytes = n;
      }
    } else if (name == "--log-level") {
      auto v = need_value();
      if (!v) return std::nullopt;
      if (!log::ParseLevel(*v, flags.level)) {
        std::cerr << "metrics-accumulator: --log-level must be debug, info, warn or error\n";
        return std::nullopt;
      }
    } else {
      std::cerr << "metrics-accumulator: unknown flag \"" << arg << "\" (see --help)\n";
      return std::nullopt;
    }
  }
  if (flags.service.tls_cert_file.empty() != flags.service.tls_key_file.empty()) {
    std::cerr << "metrics-accumulator: --tls-cert-file and --tls-key-file go together\n";
    exit_code = 2;
    return std::nullopt;
  }
  exit_code = 0;
  return flags;
}

// Says which allocator serves malloc: mimalloc replaces glibc's only when it is linked
// ahead of libc, which a packaging change could undo without any other sign.
void LogAllocator() {
#ifdef MA_WITH_MIMALLOC
  void* probe = std::malloc(64);
  const bool in_use = mi_is_in_heap_region(probe);
  std::free(probe);
  if (in_use) {
    log::Debug("allocator: mimalloc " + std::to_string(mi_version()));
  } else {
    log::Warn("mimalloc is linked but malloc is not served by it; using the C library's");
  }
#else
  log::Debug("allocator: not mimalloc (the C library's, or a sanitizer's)");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  auto flags = ParseFlags(argc, argv, exit_code);
  if (!flags) return exit_code;
  log::SetLevel(flags->level);
  LogAllocator();
  flags->service.version = MA_VERSION;

  // Signals are taken synchronously by this thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  accumulator::SystemClock clock;
  Service service(flags->service, clock);
  if (accumulator::Status s = service.Start(); !s.ok()) {
    log::Error(s.message());
    return s.code() == accumulator::StatusCode::kFailedPrecondition ? 2 : 1;
  }
  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      log::Info("SIGHUP received: reloading the configuration");
      (void)service.ReloadFromSignal();
      continue;
    }
    log::Info(std::string("signal ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
              " received: stopping");
    break;
  }
  service.Stop();
  return 0;
}
