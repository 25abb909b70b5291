#include "http/server.h"

// Beast speaks std::string_view like the rest of the code base (Boost 1.74 defaults
// to its own string_view). Only this file includes Beast.
#define BOOST_BEAST_USE_STD_STRING_VIEW

#include <algorithm>
#include <array>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <malloc.h>

#include "common/ascii.h"
#include "common/log.h"

namespace accumulator::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::string_view kServerName = "metrics-accumulator";
constexpr std::size_t kTrimAfterBytes = std::size_t{8} * 1024 * 1024;

// The status line and header fields of a response with its whole body at hand, in the
// order and form Beast's serializer gives them. Formatted directly: a push's answer is
// one small header, and Beast's field list and buffer sequences cost about a seventh of
// a push's instructions (docs/decisions/0014).
void WriteHead(const Response& response, bool keep_alive, unsigned version, std::string& out) {
  out.clear();
  out += version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  out += std::to_string(response.status);
  out += ' ';
  out += bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));
  const auto field = [&out](std::string_view name, std::string_view value) {
    out += "\r\n";
    out += name;
    out += ": ";
    out += value;
  };
  field("Server", kServerName);
  field("Content-Type", response.content_type);
  for (const auto& [name, value] : response.headers) field(name, value);
  // HTTP/1.1 connections persist unless closed; HTTP/1.0 ones only if asked.
  if (version >= 11 && !keep_alive) field("Connection", "close");
  if (version < 11 && keep_alive) field("Connection", "keep-alive");
  field("Content-Length", std::to_string(response.body.size()));
  out += "\r\n\r\n";
}

Request ToRequest(bhttp::request<bhttp::string_body>&& in) {
  Request out;
  out.method = std::string(in.method_string());
  const std::string_view target = in.target();
  const std::size_t q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
  out.headers.reserve(static_cast<std::size_t>(std::distance(in.begin(), in.end())));
  for (const auto& field : in) {
    out.headers.emplace_back(AsciiLowered(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(in.body());
  return out;
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)) {
    const unsigned n = std::max(1U, options.threads);
    for (unsigned i = 0; i < n; ++i) {
      // Hint 1: each context is run by one thread, which lets Asio skip some locking.
      loops.push_back(std::make_unique<asio::io_context>(1));
      work.emplace_back(loops.back()->get_executor());
    }
    acceptor.emplace(*loops.front());
  }

  // The TLS context new connections use; replaced whole on a certificate reload, while
  // connections already open keep the one they started with.
  std::shared_ptr<asio::ssl::context> TlsContext() {
    std::lock_guard lock(tls_mu);
    return tls;
  }

  ServerOptions options;
  Handler handler;
  std::mutex tls_mu;
  std::shared_ptr<asio::ssl::context> tls;  // null: plain HTTP
  // One event loop per serving thread; the acceptor deals connections out in turn.
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::atomic<std::size_t> next_loop{0};
  std::atomic<std::size_t> next_runner{0};
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};

  void Accept();
};

namespace {

// One connection. `Stream` is beast::tcp_stream (plain HTTP) or an ssl_stream over one.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, Server::Impl& server) : stream_(std::move(stream)), server_(server) {
    // Room for a typical push's header and body, so one read takes a request whole
    // (Beast reads 512 bytes at first, which split most pushes into two reads).
    buffer_.reserve(kReadBufferBytes);
  }

  void KeepAlive(std::shared_ptr<asio::ssl::context> context) { context_ = std::move(context); }

  void Start() {
    if constexpr (kTls) {
      Lowest().expires_after(server_.options.request_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->Close();  // not TLS, or a bad client
                                self->ReadHeader();
                              });
    } else {
      ReadHeader();
    }
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  static constexpr std::size_t kReadBufferBytes = std::size_t{16} * 1024;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void ReadHeader() {
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    Lowest().expires_after(server_.options.idle_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    Lowest().expires_after(server_.options.request_timeout);
    const auto& req = parser_->get();
    // curl waits a second for this before sending bodies over 1 KB (SPEC §3).
    if (beast::iequals(req[bhttp::field::expect], "100-continue") && !parser_->is_done()) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                       req.version());
      bhttp::async_write(stream_, *cont,
                         [self = shared_from_this(), cont](beast::error_code wec, std::size_t) {
                           if (wec) return self->Close();
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->OnReadError(ec);
                        self->HandleRequest();
                      });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof || ec.category() == asio::error::get_ssl_category()) {
      return Close();
    }
    if (ec == bhttp::error::body_limit) {
      return SendError(
          413, "request body exceeds " + std::to_string(server_.options.max_body_bytes) + " bytes");
    }
    if (ec == bhttp::error::header_limit) {
      return SendError(431, "request headers exceed " +
                                std::to_string(server_.options.max_header_bytes) + " bytes");
    }
    SendError(400, "malformed HTTP request: " + ec.message());
  }

  // Answers and closes: after a framing error the rest of the stream cannot be trusted.
  void SendError(int status, std::string message) {
    Response r = Response::Text(status, std::move(message));
    Write(std::move(r), /*keep_alive=*/false, /*version=*/11, /*head=*/false);
  }

  void HandleRequest() {
    server_.in_flight.fetch_add(1);
    bhttp::request<bhttp::string_body> req = parser_->release();
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    const bool head = req.method() == bhttp::verb::head;
    Response response;
    try {
      response = server_.handler(ToRequest(std::move(req)));
    } catch (const std::exception& e) {
      log::Error(std::string("request handler failed: ") + e.what());
      response = Response::Text(500, "internal error");
    }
    if (response.deferred) return Defer(response.deferred, keep_alive, version, head);
    Write(std::move(response), keep_alive && !server_.stopping.load(), version, head);
    server_.in_flight.fetch_sub(1);
  }

  // The connection reads nothing more until the answer comes, so pipelined requests
  // are still answered in order. The request counts as in flight until then (Stop
  // waits for it, and the server outlives it).
  void Defer(const std::function<void(Response::Answer)>& deferred, bool keep_alive,
             unsigned version, bool head) {
    Server::Impl& server = server_;
    Response::Answer answer = [self = shared_from_this(), &server, keep_alive, version,
                               head](Response response) mutable {
      // Back to the connection's own thread; this closure keeps no hold on the session.
      auto executor = self->Lowest().get_executor();
      asio::post(executor, [self = std::move(self), response = std::move(response), &server,
                            keep_alive, version, head]() mutable {
        self->Write(std::move(response), keep_alive && !server.stopping.load(), version, head);
      });
      server.in_flight.fetch_sub(1);
    };
    deferred(std::move(answer));
  }

  void Write(Response response, bool keep_alive, unsigned version, bool head) {
    if (response.body_source) {
      // A body of one piece goes out whole, like any other; so does one for HEAD or
      // HTTP/1.0, which need its length first. The rest is sent in chunks.
      std::string first;
      bool more = false;
      try {
        more = response.body_source(first);
        response.body = std::move(first);
        if (!more) {
          response.body_source = nullptr;
        } else if (head || version < 11) {
          response.CollectBody();
        }
      } catch (const std::exception& e) {
        log::Error(std::string("making a response body failed: ") + e.what());
        response = Response::Text(500, "internal error");
      }
      if (response.body_source) return WriteChunked(std::move(response), keep_alive, version);
    }
    WriteHead(response, keep_alive, version, head_);
    body_ = head ? std::string() : std::move(response.body);
    Lowest().expires_after(server_.options.request_timeout);
    const std::array<asio::const_buffer, 2> message{asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(stream_, message,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        if (self->body_.size() >= kTrimAfterBytes) {
                          // A large scrape leaves tens of MB free in malloc's arenas;
                          // give them back so RSS reflects what is stored.
                          std::string().swap(self->body_);
                          malloc_trim(0);
                        }
                        if (ec || !keep_alive) return self->Close();
                        self->ReadHeader();
                      });
  }

  // A response whose body is made while it is sent: the header, then each piece as one
  // chunk, the next made only once the one before has gone out. So a slow client slows
  // only the making of its own body.
  struct Chunked {
    bhttp::response<bhttp::empty_body> header;
    std::optional<bhttp::response_serializer<bhttp::empty_body>> serializer;
    std::function<bool(std::string&)> source;
    std::string piece;  // being written
    bool more = true;   // whether `source` has more after it
  };

  void WriteChunked(Response&& response, bool keep_alive, unsigned version) {
    auto chunked = std::make_shared<Chunked>();
    bhttp::response<bhttp::empty_body>& header = chunked->header;
    header.result(static_cast<bhttp::status>(response.status));
    header.version(version);
    header.set(bhttp::field::server, kServerName);
    header.set(bhttp::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) header.set(name, value);
    header.keep_alive(keep_alive);
    header.chunked(true);
    chunked->source = std::move(response.body_source);
    chunked->piece = std::move(response.body);
    chunked->serializer.emplace(header);
    Lowest().expires_after(server_.options.request_timeout);
    bhttp::async_write_header(
        stream_, *chunked->serializer,
        [self = shared_from_this(), chunked](beast::error_code ec, std::size_t) {
          if (ec) return self->Close();
          self->WriteChunk(chunked);
        });
  }

  void WriteChunk(const std::shared_ptr<Chunked>& chunked) {
    try {
      // An empty chunk would end the body; gzip may have nothing to give for a while.
      while (chunked->piece.empty() && chunked->more) {
        chunked->more = chunked->source(chunked->piece);
      }
    } catch (const std::exception& e) {
      log::Error(std::string("making a response body failed: ") + e.what());
      return Close();  // the status is sent: the client sees the body cut short
    }
    // The request timeout applies to each chunk: a client that keeps reading may
    // take as long as the body needs.
    Lowest().expires_after(server_.options.request_timeout);
    auto on_written = [self = shared_from_this(), chunked](beast::error_code ec, std::size_t) {
      if (ec) return self->Close();
      if (!chunked->more) {
        chunked->source = nullptr;  // ends the body's own bookkeeping now
        if (!chunked->header.keep_alive()) return self->Close();
        return self->ReadHeader();
      }
      chunked->piece.clear();
      self->WriteChunk(chunked);
    };
    const auto piece = asio::buffer(chunked->piece);
    if (chunked->more) {
      asio::async_write(stream_, bhttp::make_chunk(piece), std::move(on_written));
    } else if (chunked->piece.empty()) {
      asio::async_write(stream_, bhttp::make_chunk_last(), std::move(on_written));
    } else {
      asio::async_write(stream_,
                        beast::buffers_cat(bhttp::make_chunk(piece), bhttp::make_chunk_last()),
                        std::move(on_written));
    }
  }

  void Close() {
    beast::error_code ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    Lowest().socket().close(ec);
  }

  Stream stream_;
  std::shared_ptr<asio::ssl::context> context_;  // the TLS context stream_ refers to
  beast::flat_buffer buffer_;
  // The response being written. A connection writes one at a time, so these are reused
  // and a small answer costs no allocation.
  std::string head_;
  std::string body_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Server::Impl& server_;
};

}  // namespace

void Server::Impl::Accept() {
  asio::io_context& loop = *loops[next_loop.fetch_add(1) % loops.size()];
  acceptor->async_accept(loop, [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      log::Warn("accept failed: " + ec.message());
    } else {
      beast::error_code opt_ec;
      socket.set_option(tcp::no_delay(true), opt_ec);
      // The session starts on its own loop's thread, where all its handlers run.
      auto executor = socket.get_executor();
      asio::post(executor, [this, socket = std::move(socket)]() mutable {
        if (auto context = TlsContext()) {
          using TlsStream = beast::ssl_stream<beast::tcp_stream>;
          // The session holds the context it was built with, so a reload cannot free it.
          auto session = std::make_shared<Session<TlsStream>>(
              TlsStream(beast::tcp_stream(std::move(socket)), *context), *this);
          session->KeepAlive(context);
          session->Start();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), *this)
              ->Start();
        }
      });
    }
    Accept();
  });
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() {
  // A deferred answer posts to its connection's event loop: wait for those still owed.
  while (impl_->in_flight.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

Status Server::ReloadTls() {
  const ServerOptions& o = impl_->options;
  if (o.tls_cert_file.empty()) return Status::Ok();
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
  beast::error_code ec;
  context->use_certificate_chain_file(o.tls_cert_file, ec);
  if (ec) {
    return Status::FailedPrecondition("cannot use TLS certificate " + o.tls_cert_file + ": " +
                                      ec.message());
  }
  context->use_private_key_file(o.tls_key_file, asio::ssl::context::pem, ec);
  if (ec) {
    return Status::FailedPrecondition("cannot use TLS key " + o.tls_key_file + ": " + ec.message());
  }
  std::lock_guard lock(impl_->tls_mu);
  impl_->tls = std::move(context);
  return Status::Ok();
}

Status Server::Listen() {
  if (Status s = ReloadTls(); !s.ok()) return s;
  const std::string& listen = impl_->options.listen;
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("--listen must be host:port, got \"" + listen + "\"");
  }
  std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  beast::error_code ec;
  tcp::resolver resolver(*impl_->loops.front());
  auto results = resolver.resolve(host, port, tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return Status::Unavailable("cannot resolve listen address " + listen + ": " + ec.message());
  }
  const tcp::endpoint endpoint = results.begin()->endpoint();
  auto& acceptor = *impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("cannot listen on " + listen + ": " + ec.message());
  impl_->Accept();
  return Status::Ok();
}

std::string Server::BoundAddress() const {
  beast::error_code ec;
  const auto endpoint = impl_->acceptor->local_endpoint(ec);
  if (ec) return {};
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

void Server::Run() { impl_->loops[impl_->next_runner.fetch_add(1) % impl_->loops.size()]->run(); }

void Server::Stop(std::chrono::milliseconds grace) {
  impl_->stopping = true;
  asio::post(*impl_->loops.front(), [this] {
    beast::error_code ec;
    impl_->acceptor->close(ec);
  });
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& guard : impl_->work) guard.reset();
  for (auto& loop : impl_->loops) loop->stop();
}

}  // namespace accumulator::http
