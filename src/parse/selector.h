#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/labels.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace accumulator::parse {

// A PromQL series selector such as `http_requests_total{job="x",code=~"5.."}` or
// `{function_version!="3"}`. Matching follows PromQL: a missing label has the value
// "", regular expressions are RE2 syntax and fully anchored, and the metric name is
// `__name__`. RE2 matches in linear time, so no selector can hang the server.
class Selector {
 public:
  enum class Op { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };
  struct Matcher {
    std::string name;
    Op op = Op::kEqual;
    std::string value;
    std::shared_ptr<const re2::RE2> regex;  // for the regex operators (RE2, as Prometheus)
  };

  bool Matches(std::string_view family, const model::Labels& labels) const;
  const std::vector<Matcher>& matchers() const { return matchers_; }

 private:
  friend Result<Selector> ParseSelector(std::string_view text);
  std::vector<Matcher> matchers_;
};

// kInvalidArgument names the position and the problem. A selector that would match
// every series (no matcher, or only matchers that accept "") is refused, as Prometheus
// refuses it.
Result<Selector> ParseSelector(std::string_view text);

}  // namespace accumulator::parse
