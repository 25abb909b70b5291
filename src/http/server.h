#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "http/request.h"

namespace accumulator::http {

struct ServerOptions {
  std::string listen = "0.0.0.0:8080";  // host:port; port 0 picks a free one
  unsigned threads = 1;                 // how many threads will call Run()
  std::size_t max_body_bytes = std::size_t{16} * 1024 * 1024;
  std::size_t max_header_bytes = std::size_t{64} * 1024;
  std::chrono::seconds request_timeout{30};  // to receive one whole request
  std::chrono::seconds idle_timeout{120};    // keep-alive wait for the next request
  // HTTPS when both are set (PEM files: certificate chain, private key).
  std::string tls_cert_file;
  std::string tls_key_file;
};

// HTTP/1.1 (optionally over TLS) server on Boost.Beast: keep-alive, pipelining, chunked bodies,
// Expect: 100-continue, HTTP/1.0, body and header limits, timeouts. An Upgrade: h2c
// request is answered in HTTP/1.1. This is the only file that knows the HTTP library.
// Threads are the caller's: each of `options.threads` runs Run() until Stop(). Each
// thread has its own event loop and serves the connections it is given whole, so a
// request is handled without locks or hand-offs between threads.
class Server {
 public:
  using Handler = std::function<Response(const Request&)>;

  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens (loading the TLS certificate first, if configured). kUnavailable
  // with the reason if the address cannot be used, kFailedPrecondition if the
  // certificate or key cannot.
  Status Listen();
  // Reads the certificate and key again (SIGHUP); new connections use them, open ones
  // keep theirs. On failure the previous ones stay in use.
  Status ReloadTls();
  // "host:port" actually bound (useful with port 0).
  std::string BoundAddress() const;
  // Serves until Stop(); call from `options.threads` threads.
  void Run();
  // Stops accepting, lets requests in flight finish (up to `grace`), then ends Run().
  void Stop(std::chrono::milliseconds grace);

  struct Impl;  // opaque: keeps Boost out of this header

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace accumulator::http
