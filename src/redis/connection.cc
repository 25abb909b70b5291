#include "redis/connection.h"

#include <array>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <hiredis/hiredis.h>
#include <openssl/ssl.h>

namespace accumulator::redis {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

Reply FromHiredis(const redisReply& r) {
  Reply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.type = r.type == REDIS_REPLY_STRING   ? Reply::Type::kString
                 : r.type == REDIS_REPLY_STATUS ? Reply::Type::kStatus
                                                : Reply::Type::kError;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i)
        out.elements.push_back(FromHiredis(*r.element[i]));
      break;
    default:  // REDIS_REPLY_NIL
      break;
  }
  return out;
}

struct ReaderFree {
  void operator()(redisReader* reader) const { redisReaderFree(reader); }
};
struct ReplyFree {
  void operator()(void* reply) const { freeReplyObject(reply); }
};

// RESP2, formatted by hiredis: binary-safe arguments of any length.
Status AppendCommand(const Command& command, std::string& out) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(command.size());
  lengths.reserve(command.size());
  for (const std::string& arg : command) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* formatted = nullptr;
  const int length = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), argv.data(),
                                            lengths.data());
  if (length < 0) return Status::Internal("could not format a Redis command");
  out.append(formatted, static_cast<std::size_t>(length));
  redisFreeCommand(formatted);
  return Status::Ok();
}

bool IsIpAddress(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

struct Connection::Impl {
  asio::io_context io;
  asio::ssl::context tls_context{asio::ssl::context::tls_client};
  asio::ssl::stream<tcp::socket> stream{io, tls_context};
  bool tls = false;
  bool open = false;
  std::unique_ptr<redisReader, ReaderFree> reader{redisReaderCreate()};
  std::array<char, 16384> buffer{};

  tcp::socket& Socket() { return stream.next_layer(); }

  void Close() {
    boost::system::error_code ignored;
    Socket().close(ignored);
    open = false;
  }

  // Runs what was started until it calls back or the deadline passes; either way the
  // connection is closed on failure, so no half-read reply is left behind.
  Status Await(const bool& done, const boost::system::error_code& ec, Clock::time_point deadline,
               const char* what) {
    io.restart();
    io.run_until(deadline);
    if (!done) {
      Close();
      io.restart();
      io.run();  // the aborted operation calls back
      return Status::Unavailable(std::string("Redis ") + what + " timed out");
    }
    if (ec) {
      Close();
      return Status::Unavailable(std::string("Redis ") + what + " failed: " + ec.message());
    }
    return Status::Ok();
  }

  Status Write(const std::string& bytes, Clock::time_point deadline) {
    bool done = false;
    boost::system::error_code result;
    auto handler = [&](const boost::system::error_code& ec, std::size_t) {
      result = ec;
      done = true;
    };
    if (tls) {
      asio::async_write(stream, asio::buffer(bytes), handler);
    } else {
      asio::async_write(Socket(), asio::buffer(bytes), handler);
    }
    return Await(done, result, deadline, "write");
  }

  Status ReadSome(Clock::time_point deadline) {
    bool done = false;
    boost::system::error_code result;
    std::size_t got = 0;
    auto handler = [&](const boost::system::error_code& ec, std::size_t n) {
      result = ec;
      got = n;
      done = true;
    };
    if (tls) {
      stream.async_read_some(asio::buffer(buffer), handler);
    } else {
      Socket().async_read_some(asio::buffer(buffer), handler);
    }
    if (Status s = Await(done, result, deadline, "read"); !s.ok()) return s;
    if (redisReaderFeed(reader.get(), buffer.data(), got) != REDIS_OK) {
      Close();
      return Status::Unavailable("Redis sent a reply that is not RESP");
    }
    return Status::Ok();
  }

  Result<std::vector<Reply>> Pipeline(std::span<const Command> commands,
                                      Clock::time_point deadline) {
    if (!open) return Status::Unavailable("Redis connection is closed");
    std::string bytes;
    for (const Command& command : commands) {
      if (Status s = AppendCommand(command, bytes); !s.ok()) return s;
    }
    if (Status s = Write(bytes, deadline); !s.ok()) return s;
    std::vector<Reply> replies;
    replies.reserve(commands.size());
    while (replies.size() < commands.size()) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader.get(), &raw) != REDIS_OK) {
        Close();
        return Status::Unavailable("Redis sent a reply that is not RESP");
      }
      if (raw == nullptr) {
        if (Status s = ReadSome(deadline); !s.ok()) return s;
        continue;
      }
      const std::unique_ptr<void, ReplyFree> owned(raw);
      replies.push_back(FromHiredis(*static_cast<const redisReply*>(raw)));
    }
    return replies;
  }

  Status Connect(const Endpoint& endpoint, const ConnectOptions& options) {
    const Clock::time_point deadline = Clock::now() + options.timeout;
    tcp::resolver resolver(io);
    tcp::resolver::results_type addresses;
    bool done = false;
    boost::system::error_code result;
    resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                           [&](const boost::system::error_code& ec, tcp::resolver::results_type r) {
                             result = ec;
                             addresses = std::move(r);
                             done = true;
                           });
    if (Status s = Await(done, result, deadline, "name lookup"); !s.ok()) return s;
    done = false;
    asio::async_connect(Socket(), addresses,
                        [&](const boost::system::error_code& ec, const tcp::endpoint&) {
                          result = ec;
                          done = true;
                        });
    if (Status s = Await(done, result, deadline, "connect"); !s.ok()) return s;
    Socket().set_option(tcp::no_delay(true), result);
    open = true;
    if (endpoint.tls) {
      tls = true;
      if (options.ca_file.empty()) {
        tls_context.set_default_verify_paths(result);
      } else {
        tls_context.load_verify_file(options.ca_file, result);
      }
      if (result) {
        Close();
        return Status::FailedPrecondition("Redis TLS: cannot load the trusted CAs: " +
                                          result.message());
      }
      stream.set_verify_mode(asio::ssl::verify_peer);
      stream.set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
      // SNI names a host, never an address.
      if (!IsIpAddress(endpoint.host)) {
        // SSL_set_tlsext_host_name without its C cast.
        SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(endpoint.host.c_str()));
      }
      done = false;
      stream.async_handshake(asio::ssl::stream_base::client,
                             [&](const boost::system::error_code& ec) {
                               result = ec;
                               done = true;
                             });
      if (Status s = Await(done, result, deadline, "TLS handshake"); !s.ok()) return s;
    }
    std::vector<Command> login;
    if (!endpoint.password.empty()) {
      login.push_back(endpoint.user.empty() ? Command{"AUTH", endpoint.password}
                                            : Command{"AUTH", endpoint.user, endpoint.password});
    }
    if (endpoint.db != 0) login.push_back({"SELECT", std::to_string(endpoint.db)});
    if (login.empty()) return Status::Ok();
    auto replies = Pipeline(login, deadline);
    if (!replies.ok()) return replies.status();
    for (std::size_t i = 0; i < login.size(); ++i) {
      const Reply& reply = (*replies)[i];
      if (!reply.IsError()) continue;
      Close();
      // Redis' own words; they never repeat the password.
      if (login[i][0] == "AUTH") {
        return Status::Unauthenticated("Redis refused the credentials: " + reply.text);
      }
      return Status::FailedPrecondition("Redis refused SELECT " + std::to_string(endpoint.db) +
                                        ": " + reply.text);
    }
    return Status::Ok();
  }
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Connection::~Connection() {
  if (impl_ != nullptr) impl_->Close();
}

Result<std::unique_ptr<Connection>> Connection::Open(const Endpoint& endpoint,
                                                     const ConnectOptions& options) {
  auto impl = std::make_unique<Impl>();
  if (Status s = impl->Connect(endpoint, options); !s.ok()) return s;
  return std::unique_ptr<Connection>(new Connection(std::move(impl)));
}

Result<std::vector<Reply>> Connection::Pipeline(std::span<const Command> commands,
                                                std::chrono::milliseconds timeout) {
  return impl_->Pipeline(commands, Clock::now() + timeout);
}

Result<Reply> Connection::Run(const Command& command, std::chrono::milliseconds timeout) {
  auto replies = impl_->Pipeline(std::span(&command, 1), Clock::now() + timeout);
  if (!replies.ok()) return replies.status();
  return std::move(replies->front());
}

bool Connection::IsOpen() const { return impl_->open; }

}  // namespace accumulator::redis
