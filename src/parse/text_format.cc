#include "parse/text_format.h"

#include <string>

#include "model/names.h"
#include "model/number.h"
#include "parse/push_builder.h"

namespace accumulator::parse {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// A cursor over one line, with the line number for messages.
class LineCursor {
 public:
  LineCursor(std::string_view line, std::size_t number) : line_(line), number_(number) {}

  void SkipBlanks() {
    while (pos_ < line_.size() && IsBlank(line_[pos_])) ++pos_;
  }
  bool AtEnd() const { return pos_ >= line_.size(); }
  char Peek() const { return line_[pos_]; }
  void Advance() { ++pos_; }
  std::string_view Name() {
    const std::size_t start = pos_;
    while (pos_ < line_.size() && model::IsMetricNameChar(line_[pos_])) ++pos_;
    return line_.substr(start, pos_ - start);
  }
  std::string_view Token() {
    const std::size_t start = pos_;
    while (pos_ < line_.size() && !IsBlank(line_[pos_])) ++pos_;
    return line_.substr(start, pos_ - start);
  }
  std::string_view Rest() const { return line_.substr(pos_); }
  void Skip(std::size_t n) { pos_ += n; }
  Status Error(const std::string& what) const {
    return Status::InvalidArgument("line " + std::to_string(number_) + ": " + what);
  }
  std::size_t number() const { return number_; }

 private:
  std::string_view line_;
  std::size_t number_;
  std::size_t pos_ = 0;
};

// Text 0.0.4 escapes \\ and \n in HELP; OpenMetrics also \".
std::string UnescapeHelp(std::string_view text, bool openmetrics) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      if (text[i + 1] == 'n') {
        out += '\n';
        ++i;
        continue;
      }
      if (text[i + 1] == '\\' || (openmetrics && text[i + 1] == '"')) {
        out += text[i + 1];
        ++i;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

enum class Dialect { kText004, kOpenMetrics };

Status ParseComment(LineCursor& cur, PushBuilder& builder, Dialect dialect) {
  cur.Advance();                                                 // '#'
  if (cur.AtEnd() || !IsBlank(cur.Peek())) return Status::Ok();  // "#foo": a plain comment
  cur.SkipBlanks();
  const std::string_view keyword = cur.Token();
  const bool om = dialect == Dialect::kOpenMetrics;
  if (om && keyword == "UNIT") {
    cur.SkipBlanks();
    if (cur.Name().empty()) return cur.Error("missing metric name after # UNIT");
    return Status::Ok();  // units are descriptive only
  }
  if (keyword != "HELP" && keyword != "TYPE") return Status::Ok();
  cur.SkipBlanks();
  const std::string_view name = cur.Name();
  if (name.empty()) return cur.Error("missing metric name after # " + std::string(keyword));
  if (!cur.AtEnd() && !IsBlank(cur.Peek())) {
    return cur.Error("invalid metric name in # " + std::string(keyword) + " line");
  }
  if (keyword == "HELP") {
    if (!cur.AtEnd()) cur.Advance();  // exactly one separator; the rest is the text
    return builder.DeclareHelp(name, UnescapeHelp(cur.Rest(), om), cur.number());
  }
  cur.SkipBlanks();
  const std::string_view type_name = cur.Token();
  cur.SkipBlanks();
  if (!cur.AtEnd()) return cur.Error("unexpected text after the type in TYPE line");
  const auto type = model::ParseTypeName(type_name);
  if (om && type_name == "gaugehistogram") {
    return cur.Error("gaugehistogram cannot be accumulated; push its buckets as gauges");
  }
  if (om && (!type || type_name == "untyped")) {
    return cur.Error("unknown metric type \"" + std::string(type_name) +
                     "\" (OpenMetrics knows counter, gauge, histogram, summary, info, "
                     "stateset, unknown)");
  }
  if (!om && (!type || *type == model::MetricType::kInfo || *type == model::MetricType::kStateset ||
              type_name == "unknown")) {
    return cur.Error("unknown metric type \"" + std::string(type_name) +
                     "\" (text format 0.0.4 knows counter, gauge, histogram, summary, untyped)");
  }
  return builder.DeclareType(name, *type, cur.number());
}

// Most values have no escapes and are taken as views into the body. An escaped value
// is decoded into `unescaped`, which the caller empties for each line; it never
// reallocates within a line, so the views into it stay valid.
Status ParseLabelValue(LineCursor& cur, std::string& unescaped, std::string_view& value) {
  if (cur.AtEnd() || cur.Peek() != '"') return cur.Error("expected '\"' to start a label value");
  cur.Advance();
  const std::string_view rest = cur.Rest();
  std::size_t plain = 0;
  while (plain < rest.size() && rest[plain] != '"' && rest[plain] != '\\') ++plain;
  cur.Skip(plain);
  if (plain < rest.size() && rest[plain] == '"') {
    cur.Advance();
    value = rest.substr(0, plain);
    return Status::Ok();
  }
  // A decoded value is never longer than its text, so the rest of the line is room
  // enough for every escaped value still to come on it.
  if (unescaped.empty()) unescaped.reserve(rest.size());
  const std::size_t start = unescaped.size();
  unescaped.append(rest.substr(0, plain));
  while (!cur.AtEnd()) {
    const char c = cur.Peek();
    cur.Advance();
    if (c == '"') {
      value = std::string_view(unescaped).substr(start);
      return Status::Ok();
    }
    if (c != '\\') {
      unescaped += c;
      continue;
    }
    if (cur.AtEnd()) break;
    const char e = cur.Peek();
    cur.Advance();
    switch (e) {
      case '\\':
        unescaped += '\\';
        break;
      case '"':
        unescaped += '"';
        break;
      case 'n':
        unescaped += '\n';
        break;
      default:
        return cur.Error(std::string("invalid escape sequence '\\") + e + "' in label value");
    }
  }
  return cur.Error("label value is not closed with '\"'");
}

// Reads `{name="value",...}` into views (see ParseLabelValue for escaped values).
Status ParseLabels(LineCursor& cur, std::vector<model::LabelRef>& labels, std::string& unescaped,
                   const Limits& limits) {
  cur.Advance();  // '{'
  while (true) {
    cur.SkipBlanks();
    if (cur.AtEnd()) return cur.Error("label set is not closed with '}'");
    if (cur.Peek() == '}') {
      cur.Advance();
      return Status::Ok();
    }
    const std::string_view name = cur.Name();
    if (name.empty()) {
      return cur.Error(std::string("expected a label name, found '") + cur.Peek() + "'");
    }
    if (labels.size() >= limits.max_labels_per_series) {
      return cur.Error("more than " + std::to_string(limits.max_labels_per_series) +
                       " labels on one series");
    }
    cur.SkipBlanks();
    if (cur.AtEnd() || cur.Peek() != '=') {
      return cur.Error("expected '=' after label name \"" + std::string(name) + "\"");
    }
    cur.Advance();
    cur.SkipBlanks();
    std::string_view value;
    if (Status s = ParseLabelValue(cur, unescaped, value); !s.ok()) return s;
    labels.push_back({name, value});
    cur.SkipBlanks();
    if (cur.AtEnd()) return cur.Error("label set is not closed with '}'");
    if (cur.Peek() == ',') {
      cur.Advance();
    } else if (cur.Peek() != '}') {
      return cur.Error(std::string("expected ',' or '}' after a label, found '") + cur.Peek() +
                       "'");
    }
  }
}

// What a sample line is read into, kept from line to line so reading allocates only
// while lines grow.
struct SampleScratch {
  std::vector<model::LabelRef> labels;
  std::string unescaped;
};

Status ParseSample(LineCursor& cur, PushBuilder& builder, const Limits& limits, Dialect dialect,
                   SampleScratch& scratch) {
  const std::string_view name = cur.Name();
  if (name.empty()) return cur.Error(std::string("unexpected character '") + cur.Peek() + "'");
  // Name() took only name characters, so only a leading digit can make it invalid.
  if (name[0] >= '0' && name[0] <= '9') {
    return cur.Error("invalid metric name \"" + std::string(name) + "\"");
  }
  cur.SkipBlanks();
  scratch.labels.clear();
  scratch.unescaped.clear();
  if (!cur.AtEnd() && cur.Peek() == '{') {
    if (Status s = ParseLabels(cur, scratch.labels, scratch.unescaped, limits); !s.ok()) return s;
    cur.SkipBlanks();
  }
  if (cur.AtEnd()) return cur.Error("missing value for " + std::string(name));
  const std::string_view value_text = cur.Token();
  const auto value = model::ParseFloat(value_text);
  if (!value) {
    return cur.Error("invalid value \"" + std::string(value_text) + "\" for " + std::string(name));
  }
  cur.SkipBlanks();
  // OpenMetrics exemplars (" # {labels} value [timestamp]") carry no accumulable data.
  const auto at_exemplar = [&] { return dialect == Dialect::kOpenMetrics && cur.Peek() == '#'; };
  if (!cur.AtEnd() && !at_exemplar()) {
    const std::string_view ts = cur.Token();
    if (!model::ParseFloat(ts)) return cur.Error("invalid timestamp \"" + std::string(ts) + "\"");
    cur.SkipBlanks();  // timestamps are accepted and ignored (SPEC §2)
  }
  if (!cur.AtEnd() && at_exemplar()) {
    cur.Advance();
    cur.SkipBlanks();
    if (cur.AtEnd() || cur.Peek() != '{') return cur.Error("malformed exemplar");
  } else if (!cur.AtEnd()) {
    return cur.Error("unexpected text after the timestamp");
  }
  return builder.AddSample(name, scratch.labels, *value, cur.number());
}

Result<model::Push> Parse(std::string_view body, const Limits& limits, Dialect dialect) {
  const bool om = dialect == Dialect::kOpenMetrics;
  PushBuilder builder(limits, "line", om);
  SampleScratch scratch;
  std::size_t line_number = 0;
  bool saw_eof = false;
  while (!body.empty()) {
    ++line_number;
    const std::size_t eol = body.find('\n');
    std::string_view line = body.substr(0, eol);
    body.remove_prefix(eol == std::string_view::npos ? body.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (saw_eof) {
      return Status::InvalidArgument("line " + std::to_string(line_number) + ": text after # EOF");
    }
    if (om && line == "# EOF") {
      saw_eof = true;
      continue;
    }
    LineCursor cur(line, line_number);
    cur.SkipBlanks();
    if (cur.AtEnd()) continue;
    Status s = cur.Peek() == '#' ? ParseComment(cur, builder, dialect)
                                 : ParseSample(cur, builder, limits, dialect, scratch);
    if (!s.ok()) return s;
  }
  if (om && !saw_eof) {
    return Status::InvalidArgument("OpenMetrics body does not end with \"# EOF\"");
  }
  return std::move(builder).Finish();
}

}  // namespace

Result<model::Push> ParseText(std::string_view body, const Limits& limits) {
  return Parse(body, limits, Dialect::kText004);
}

Result<model::Push> ParseOpenMetrics(std::string_view body, const Limits& limits) {
  return Parse(body, limits, Dialect::kOpenMetrics);
}

}  // namespace accumulator::parse
