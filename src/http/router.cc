#include "http/router.h"

#include <algorithm>

#include "common/percent_decode.h"
#include "parse/grouping_key.h"

namespace accumulator::http {

std::string_view PathMatch::RawFrom(std::size_t index) const {
  return index < segment_starts.size() ? path.substr(segment_starts[index]) : std::string_view();
}

void Router::Add(std::string_view pattern, std::initializer_list<std::string_view> methods,
                 Handler handler) {
  Entry route;
  for (std::string_view segment : parse::SplitPathSegments(pattern)) {
    if (segment == "*") {
      route.rest = true;
      break;
    }
    route.segments.emplace_back(segment);
  }
  for (std::string_view method : methods) {
    route.methods.emplace_back(method);
    if (method == "GET") route.methods.emplace_back("HEAD");
  }
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

bool Router::Fits(const Entry& route, const std::vector<std::string_view>& segments,
                  std::vector<std::string>* params) {
  if (route.rest ? segments.size() < route.segments.size()
                 : segments.size() != route.segments.size()) {
    return false;
  }
  for (std::size_t i = 0; i < route.segments.size(); ++i) {
    const std::string& want = route.segments[i];
    const bool is_param = want.size() >= 2 && want.front() == '{' && want.back() == '}';
    if (is_param) {
      if (params != nullptr) params->emplace_back(segments[i]);
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

Response Router::Route(const Request& request) const {
  PathMatch match;
  match.path = request.path;
  std::vector<std::string_view> segments = parse::SplitPathSegments(request.path);
  // Most paths have no escapes: their segments are views into the path. Room for every
  // decoded one up front, so the views into `decoded` stay valid.
  std::vector<std::string> decoded;
  decoded.reserve(segments.size());
  match.segment_starts.reserve(segments.size());
  for (std::string_view& segment : segments) {
    match.segment_starts.push_back(static_cast<std::size_t>(segment.data() - request.path.data()));
    if (segment.find('%') == std::string_view::npos) continue;
    auto plain = PercentDecode(segment);
    if (!plain) return Response::Text(400, "malformed percent-encoding in the URL path");
    segment = decoded.emplace_back(std::move(*plain));
  }
  std::vector<std::string> allowed;
  for (const Entry& route : routes_) {
    if (!Fits(route, segments, nullptr)) continue;
    if (std::find(route.methods.begin(), route.methods.end(), request.method) !=
        route.methods.end()) {
      Fits(route, segments, &match.params);
      return route.handler(request, match);
    }
    for (const std::string& method : route.methods) {
      if (std::find(allowed.begin(), allowed.end(), method) == allowed.end()) {
        allowed.push_back(method);
      }
    }
  }
  if (allowed.empty()) return Response::Text(404, "no such endpoint: " + request.path);
  std::string allow;
  for (const std::string& method : allowed) allow += (allow.empty() ? "" : ", ") + method;
  Response r = Response::Text(405, "method not allowed; use " + allow);
  r.headers.emplace_back("Allow", allow);
  return r;
}

}  // namespace accumulator::http
