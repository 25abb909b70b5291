#include "model/selector.h"

#include <re2/re2.h>

namespace accumulator::model {
namespace {

// `value` is "" for a missing label, which `present` tells apart from an empty one.
bool MatchOne(const Selector::Compiled& m, std::string_view value, bool present) {
  switch (m.matcher.op) {
    case Selector::Op::kEqual:
      return value == m.matcher.value;
    case Selector::Op::kNotEqual:
      return value != m.matcher.value;
    case Selector::Op::kRegexMatch:
      return re2::RE2::FullMatch(value, *m.regex);
    case Selector::Op::kRegexNoMatch:
      return !re2::RE2::FullMatch(value, *m.regex);
    case Selector::Op::kPresentEqual:
      return present && value == m.matcher.value;
  }
  return false;
}

}  // namespace

Result<Selector> Selector::Make(std::vector<Matcher> matchers) {
  Selector selector;
  selector.matchers_.reserve(matchers.size());
  for (Matcher& m : matchers) {
    Compiled compiled{std::move(m), nullptr};
    if (compiled.matcher.op == Op::kRegexMatch || compiled.matcher.op == Op::kRegexNoMatch) {
      re2::RE2::Options options;
      options.set_log_errors(false);
      auto regex = std::make_shared<const re2::RE2>(compiled.matcher.value, options);
      if (!regex->ok()) {
        return Status::InvalidArgument("invalid regular expression \"" + compiled.matcher.value +
                                       "\": " + regex->error());
      }
      compiled.regex = std::move(regex);
    }
    selector.matchers_.push_back(std::move(compiled));
  }
  return selector;
}

Selector Selector::HavingAll(const Labels& labels) {
  Selector selector;
  selector.matchers_.reserve(labels.size());
  for (const Label& label : labels) {
    selector.matchers_.push_back({{label.name, Op::kPresentEqual, label.value}, nullptr});
  }
  return selector;
}

bool Selector::HasMatcherRejectingEmpty() const {
  for (const Compiled& m : matchers_) {
    if (!MatchOne(m, "", false)) return true;
  }
  return false;
}

bool Selector::Matches(std::string_view family, const Labels& labels) const {
  for (const Compiled& m : matchers_) {
    if (m.matcher.name == "__name__") {
      if (!MatchOne(m, family, true)) return false;
      continue;
    }
    const std::string* value = FindLabel(labels, m.matcher.name);
    if (!MatchOne(m, value != nullptr ? std::string_view(*value) : "", value != nullptr)) {
      return false;
    }
  }
  return true;
}

}  // namespace accumulator::model
