#include "parse/selector.h"

#include <cctype>

#include "model/names.h"

namespace accumulator::parse {
namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  void SkipSpaces() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  bool Consume(std::string_view token) {
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  std::string_view Identifier(bool allow_colon) {
    using model::name_chars::kCharClasses;
    const std::size_t start = pos_;
    while (pos_ < text_.size()) {
      const unsigned char cls = kCharClasses[static_cast<unsigned char>(text_[pos_])];
      const bool ok = (cls & model::name_chars::kLetterOrUnderscore) != 0 ||
                      (allow_colon && (cls & model::name_chars::kColon) != 0) ||
                      (pos_ > start && (cls & model::name_chars::kDigit) != 0);
      if (!ok) break;
      ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }
  Status Error(const std::string& what) const {
    return Status::InvalidArgument("selector position " + std::to_string(pos_ + 1) + ": " + what);
  }
  Result<std::string> QuotedString() {
    if (AtEnd() || (Peek() != '"' && Peek() != '\'' && Peek() != '`')) {
      return Error("expected a quoted string");
    }
    const char quote = text_[pos_++];
    std::string out;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == quote) return out;
      if (c == '\\' && quote != '`' && pos_ < text_.size()) {
        const char e = text_[pos_++];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case '\\':
            out += '\\';
            break;
          case '"':
            out += '"';
            break;
          case '\'':
            out += '\'';
            break;
          default:
            // Regexes such as "a\.b" keep the backslash, as PromQL does.
            out += '\\';
            out += e;
        }
        continue;
      }
      out += c;
    }
    return Error("string is not closed");
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<model::Selector> ParseSelector(std::string_view text) {
  constexpr std::size_t kMaxSelectorLength = 4096;
  if (text.size() > kMaxSelectorLength) {
    return Status::InvalidArgument("selector longer than 4096 bytes");
  }
  using Op = model::Selector::Op;
  std::vector<model::Selector::Matcher> matchers;
  Cursor cur(text);
  cur.SkipSpaces();
  const std::string_view name = cur.Identifier(/*allow_colon=*/true);
  if (!name.empty()) {
    matchers.push_back({"__name__", Op::kEqual, std::string(name)});
  }
  cur.SkipSpaces();
  if (!cur.AtEnd() && cur.Peek() == '{') {
    cur.Consume("{");
    while (true) {
      cur.SkipSpaces();
      if (cur.Consume("}")) break;
      const std::string_view label = cur.Identifier(/*allow_colon=*/false);
      if (label.empty()) return cur.Error("expected a label name or '}'");
      cur.SkipSpaces();
      Op op;
      if (cur.Consume("=~")) {
        op = Op::kRegexMatch;
      } else if (cur.Consume("!~")) {
        op = Op::kRegexNoMatch;
      } else if (cur.Consume("!=")) {
        op = Op::kNotEqual;
      } else if (cur.Consume("=")) {
        op = Op::kEqual;
      } else {
        return cur.Error("expected =, !=, =~ or !~ after label \"" + std::string(label) + "\"");
      }
      cur.SkipSpaces();
      auto value = cur.QuotedString();
      if (!value.ok()) return value.status();
      matchers.push_back({std::string(label), op, std::move(*value)});
      cur.SkipSpaces();
      if (cur.Consume(",")) continue;
      if (cur.Consume("}")) break;
      return cur.Error("expected ',' or '}'");
    }
  }
  cur.SkipSpaces();
  if (!cur.AtEnd()) return cur.Error("unexpected text after the selector");
  auto selector = model::Selector::Make(std::move(matchers));
  if (!selector.ok()) return selector.status();
  if (!selector->HasMatcherRejectingEmpty()) {
    return Status::InvalidArgument(
        "selector must contain at least one matcher that does not match the empty string");
  }
  return std::move(*selector);
}

}  // namespace accumulator::parse
