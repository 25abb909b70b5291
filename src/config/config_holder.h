#pragma once

#include <memory>
#include <utility>

#include "common/mutex.h"
#include "config/config.h"

namespace accumulator::config {

// The configuration in force. Readers take a shared_ptr and keep using it even if a
// reload swaps in a new one meanwhile. Thread-safe.
class ConfigHolder {
 public:
  explicit ConfigHolder(std::shared_ptr<const Config> initial) : current_(std::move(initial)) {}

  std::shared_ptr<const Config> Get() const {
    ReaderLock lock(mu_);
    return current_;
  }
  void Set(std::shared_ptr<const Config> next) {
    MutexLock lock(mu_);
    current_ = std::move(next);
  }

 private:
  mutable Mutex mu_;
  std::shared_ptr<const Config> current_ MA_GUARDED_BY(mu_);
};

}  // namespace accumulator::config
