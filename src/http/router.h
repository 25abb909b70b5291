#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace accumulator::http {

// What a route's pattern took from a path.
struct PathMatch {
  std::vector<std::string> params;  // the {name} segments, percent-decoded, in order
  // The raw path from where segment `index` starts (not decoded; for routes whose
  // handler parses the rest itself, as the Pushgateway's grouping key).
  std::string_view RawFrom(std::size_t index) const;

  std::string_view path;
  std::vector<std::size_t> segment_starts;
};

// The route table: each route is a path pattern, the methods it takes, and its handler.
// A pattern is '/'-separated segments: a literal, "{name}" for any one segment, or a
// final "*" for any number (zero included). Empty segments ("//") do not count, and
// segments are compared percent-decoded. GET routes answer HEAD too.
class Router {
 public:
  using Handler = std::function<Response(const Request&, const PathMatch&)>;

  void Add(std::string_view pattern, std::initializer_list<std::string_view> methods,
           Handler handler);

  // The first route whose pattern and method fit; 405 with an Allow header of every
  // method the path takes when only the method does not; 404 when no pattern fits;
  // 400 for malformed percent-encoding.
  Response Route(const Request& request) const;

 private:
  struct Entry {
    std::vector<std::string> segments;
    bool rest = false;  // ends in "*"
    std::vector<std::string> methods;
    Handler handler;
  };
  static bool Fits(const Entry& route, const std::vector<std::string_view>& segments,
                   std::vector<std::string>* params);
  std::vector<Entry> routes_;
};

}  // namespace accumulator::http
