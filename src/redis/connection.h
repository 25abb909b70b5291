#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "redis/endpoint.h"
#include "redis/reply.h"

namespace accumulator::redis {

struct ConnectOptions {
  std::chrono::milliseconds timeout{2000};  // resolve, connect, TLS handshake, AUTH, SELECT
  std::string ca_file;                      // rediss://: trust these CAs instead of the system's
};

using Command = std::vector<std::string>;

// One connection to one Redis server, used by one thread at a time. Commands go out
// in RESP2 (hiredis formats them and parses the replies) over an Asio socket, or
// Asio's TLS stream for rediss://. Blocking, with a deadline on every call: a thread
// that owns a connection (the group commit, the log reader) waits for its own replies.
// After a failed call the connection is closed; open a new one.
class Connection {
 public:
  // Connects, completes TLS (the server's certificate must match the host), then AUTH
  // and SELECT as the endpoint says. kUnavailable if the server cannot be reached in
  // time; kUnauthenticated if it refuses the credentials.
  static Result<std::unique_ptr<Connection>> Open(const Endpoint& endpoint,
                                                  const ConnectOptions& options = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Writes all commands at once and reads their replies, in order: one round trip.
  // A reply that is a Redis error (WRONGTYPE, OOM, READONLY ...) is a Reply of type
  // kError, not a failed call. kUnavailable when the connection fails or the deadline
  // passes.
  Result<std::vector<Reply>> Pipeline(std::span<const Command> commands,
                                      std::chrono::milliseconds timeout);
  Result<Reply> Run(const Command& command, std::chrono::milliseconds timeout);

  bool IsOpen() const;

 private:
  struct Impl;
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accumulator::redis
