#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "redis/connection.h"
#include "redis/endpoint.h"

namespace accumulator::redis {

inline constexpr std::size_t kClusterSlots = 16384;

// The Redis Cluster hash slot of a key: CRC16 (XMODEM) of the key, or of the part
// between its first '{' and the next '}' if that is not empty, modulo 16384. Keys that
// share a {hash tag} share a slot, so one group's keys live on one master.
std::uint16_t KeySlot(std::string_view key);

// A client of a Redis Cluster: learns which master serves which slot (CLUSTER SLOTS)
// from the seed node, sends each pipeline to the master of its key's slot over a
// connection kept per master, and follows redirections: MOVED (the slot has a new
// owner: the map is read again) and ASK (the slot is migrating: the command goes once
// to the node named, after ASKING). Used by one thread at a time.
class ClusterClient {
 public:
  // `seed`: any node; its credentials and TLS setting are used for every node.
  static Result<std::unique_ptr<ClusterClient>> Open(const Endpoint& seed,
                                                     const ConnectOptions& options = {});

  // Runs `commands`, which all touch keys of `key`'s slot, as one pipeline on that
  // slot's master; redirected commands are sent again where Redis says, in order.
  // A failed connection is not retried (a command may have run): kUnavailable, and the
  // next call connects again.
  Result<std::vector<Reply>> Pipeline(std::string_view key, std::span<const Command> commands,
                                      std::chrono::milliseconds timeout);

 private:
  struct Node {
    std::string host;
    std::uint16_t port = 0;
  };
  ClusterClient(Endpoint seed, ConnectOptions options);
  Status RefreshSlots(std::chrono::milliseconds timeout);
  Result<Connection*> ConnectionTo(const Node& node);

  Endpoint seed_;
  ConnectOptions options_;
  std::vector<Node> nodes_;
  std::array<int, kClusterSlots> owner_{};  // index into nodes_, -1 if no master has it
  std::map<std::string, std::unique_ptr<Connection>> connections_;  // by host:port
};

}  // namespace accumulator::redis
