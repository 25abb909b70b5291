#pragma once

// A real redis-server (Debian's package) for tests: started on 127.0.0.1 on a free
// port, in a scratch directory, and stopped by its PID when the object goes.

#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "redis/endpoint.h"

extern char** environ;

namespace accumulator::redis {

// A port nothing listens on right now (the kernel's pick for a socket bound to port 0).
inline std::uint16_t FreePortForTest() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  (void)::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  (void)::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// A free port whose cluster bus port (+10000) is free and valid too.
inline std::uint16_t FreeClusterPortForTest() {
  const auto bindable = [](std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
  };
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::uint16_t port = FreePortForTest();
    if (port <= 55535 && bindable(static_cast<std::uint16_t>(port + 10000))) return port;
  }
  return 0;
}

// Polls `condition` every 50 ms for up to `limit`: servers take a moment to start,
// sync and agree.
template <typename Condition>
bool EventuallyForTest(Condition condition, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

inline Endpoint LocalForTest(std::uint16_t port) {
  Endpoint e;
  e.host = "127.0.0.1";
  e.port = port;
  return e;
}

inline int RunForTest(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Its chatter (openssl's progress dots, redis-cli's plans) stays out of the test log.
  posix_spawn_file_actions_t quiet;
  ::posix_spawn_file_actions_init(&quiet);
  ::posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  ::posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, args[0], &quiet, nullptr, args.data(), environ);
  ::posix_spawn_file_actions_destroy(&quiet);
  if (spawned != 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class RedisServerForTest {
 public:
  // `extra`: more redis-server arguments, e.g. {"--requirepass", "secret"}.
  // `config_file` comes first, as a Sentinel's must (with "--sentinel" in `extra`).
  // `port`: 0 for any free one.
  explicit RedisServerForTest(std::vector<std::string> extra = {}, std::string config_file = "",
                              std::uint16_t port = 0)
      : port_(port != 0 ? port : FreePortForTest()) {
    dir_ = std::filesystem::temp_directory_path() /
           ("ma-redis-test-" + std::to_string(::getpid()) + "-" + std::to_string(port_));
    std::filesystem::create_directories(dir_);
    std::vector<std::string> argv = {"redis-server"};
    if (!config_file.empty()) argv.push_back(std::move(config_file));
    const std::vector<std::string> common = {
        "--bind",       "127.0.0.1",   "--port",    std::to_string(port_),
        "--dir",        dir_.string(), "--save",    "",
        "--appendonly", "no",          "--logfile", (dir_ / "redis.log").string()};
    argv.insert(argv.end(), common.begin(), common.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (::posix_spawnp(&pid_, "redis-server", nullptr, nullptr, args.data(), environ) != 0) {
      pid_ = 0;
    }
  }
  ~RedisServerForTest() {
    Stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  RedisServerForTest(const RedisServerForTest&) = delete;
  RedisServerForTest& operator=(const RedisServerForTest&) = delete;

  std::uint16_t Port() const { return port_; }
  bool Started() const { return pid_ != 0; }

  void Stop() {
    if (pid_ == 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
  }

 private:
  std::uint16_t port_;
  std::filesystem::path dir_;
  pid_t pid_ = 0;
};

}  // namespace accumulator::redis
