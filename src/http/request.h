#pragma once

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

  static Response Text(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    if (!r.body.empty() && r.body.back() != '\n') r.body += '\n';
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
