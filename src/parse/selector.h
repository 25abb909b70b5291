#pragma once

#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/labels.h"

namespace accumulator::parse {

// A PromQL series selector such as `http_requests_total{job="x",code=~"5.."}` or
// `{function_version!="3"}`. Matching follows PromQL: a missing label has the value
// "", regular expressions are fully anchored, and the metric name is `__name__`.
class Selector {
 public:
  enum class Op { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };
  struct Matcher {
    std::string name;
    Op op = Op::kEqual;
    std::string value;
    std::shared_ptr<const std::regex> regex;  // for the regex operators
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
