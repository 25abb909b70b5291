#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace accumulator::http {

// An HTTP request in our own terms, so handlers never see the HTTP library.
struct Request {
  std::string method;  // upper case, as sent: "GET", "POST", ...
  std::string path;    // the target before '?', not yet percent-decoded
  std::string query;   // the target after '?', without it
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;

  // The first header of that (lower-case) name, or nullptr.
  const std::string* Header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return &value;
    }
    return nullptr;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // Set instead of `body` for a body made while it is sent (large scrapes). Each call
  // puts the next part in `piece` (empty when called; a part may be empty) and returns
  // whether more follow. The server calls it on the connection's thread, each time
  // after the part before has gone out, and sends the parts as HTTP/1.1 chunks.
  std::function<bool(std::string& piece)> body_source;
  // Set when the answer is known only later (a push waiting for its fsync); the other
  // fields are then unused. The server calls it once with `answer`, which must be
  // called exactly once, from any thread, with the real response. Meanwhile the
  // connection waits and its thread serves others. It must not throw.
  using Answer = std::function<void(Response)>;
  std::function<void(Answer answer)> deferred;

  // Makes the whole body now (HEAD and HTTP/1.0 need its length first; tests).
  void CollectBody() {
    if (!body_source) return;
    std::string piece;
    for (bool more = true; more;) {
      piece.clear();
      more = body_source(piece);
      body += piece;
    }
    body_source = nullptr;
  }

  static Response Text(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    if (!r.body.empty() && r.body.back() != '\n') r.body += '\n';
    return r;
  }
  // A text body sent exactly as given, where a client compares it byte for byte (the
  // upstream server's admin answers end without a newline).
  static Response ExactText(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static Response Json(int status, std::string body) {
    Response r;
    r.status = status;
    r.content_type = "application/json";
    r.body = std::move(body);
    return r;
  }
};

}  // namespace accumulator::http
