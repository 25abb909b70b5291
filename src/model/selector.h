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

namespace accumulator::model {

// Which series an operation means, as data: a PromQL series selector such as
// `http_requests_total{job="x",code=~"5.."}` once parsed (parse::ParseSelector), or a
// Pushgateway grouping key. Being a value, not a callback, it can be sent to whatever
// store holds the series. Matching follows PromQL: a missing label has the value "",
// regular expressions are RE2 syntax and fully anchored (linear time, so no selector
// can hang the server), and the metric name is `__name__`.
class Selector {
 public:
  enum class Op {
    kEqual,
    kNotEqual,
    kRegexMatch,
    kRegexNoMatch,
    kPresentEqual,  // the label is there with this value, even ""; a grouping key's rule
  };
  struct Matcher {
    std::string name;
    Op op = Op::kEqual;
    std::string value;
  };

  // kInvalidArgument for a regular expression RE2 cannot compile.
  static Result<Selector> Make(std::vector<Matcher> matchers);
  // Every series carrying all of `labels` with exactly these values (a Pushgateway
  // DELETE of that grouping key).
  static Selector HavingAll(const Labels& labels);

  bool Matches(std::string_view family, const Labels& labels) const;
  // Whether some matcher refuses a missing label; if none does, every series matches.
  bool HasMatcherRejectingEmpty() const;

  struct Compiled {
    Matcher matcher;
    std::shared_ptr<const re2::RE2> regex;  // for the regex operators
  };
  const std::vector<Compiled>& matchers() const { return matchers_; }

 private:
  std::vector<Compiled> matchers_;
};

}  // namespace accumulator::model
