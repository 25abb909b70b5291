#include "expose/writer.h"

#include <algorithm>
#include <array>

#include "model/number.h"

namespace accumulator::expose {
namespace {

// Text 0.0.4 escapes \ and newline in HELP; OpenMetrics also escapes ".
void AppendEscapedHelp(std::string_view help, bool escape_quote, std::string& out) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

std::string_view StripSuffix(std::string_view name, std::string_view suffix) {
  if (name.size() > suffix.size() && name.ends_with(suffix)) name.remove_suffix(suffix.size());
  return name;
}

}  // namespace

void ExpositionWriter::BeginFamily(std::string_view name, model::MetricType type,
                                   std::string_view help) {
  suffix_ = {};
  type_name_ = model::TypeName(type);
  std::string_view wire_name = name;
  if (format_ == ScrapeFormat::kOpenMetrics) {
    if (type == model::MetricType::kCounter) {
      wire_name = StripSuffix(name, "_total");
      suffix_ = "_total";
    } else if (type == model::MetricType::kInfo) {
      wire_name = StripSuffix(name, "_info");
      suffix_ = "_info";
    } else if (type == model::MetricType::kUntyped) {
      type_name_ = "unknown";
    }
  } else if (type == model::MetricType::kInfo || type == model::MetricType::kStateset) {
    type_name_ = "gauge";
  }
  name_.assign(wire_name);
  help_.assign(help);
  header_written_ = false;
}

void ExpositionWriter::WriteHeader() {
  header_written_ = true;
  const bool om = format_ == ScrapeFormat::kOpenMetrics;
  const auto help = [&] {
    if (help_.empty()) return;
    out_ += "# HELP ";
    out_ += name_;
    out_ += ' ';
    AppendEscapedHelp(help_, om, out_);
    out_ += '\n';
  };
  if (!om) help();  // text: HELP first, as the Go client writes it
  out_ += "# TYPE ";
  out_ += name_;
  out_ += ' ';
  out_ += type_name_;
  out_ += '\n';
  if (om) help();
}

void ExpositionWriter::AddSeries(const model::Labels& labels, const model::Value& value) {
  std::vector<model::LabelRef> refs = std::move(refs_);
  model::RefsOf(labels, refs);
  AddSeries(refs, value);
  refs_ = std::move(refs);
}

void ExpositionWriter::AddSeries(std::span<const model::LabelRef> labels,
                                 const model::Value& value) {
  if (!header_written_) WriteHeader();
  const bool om = format_ == ScrapeFormat::kOpenMetrics;
  if (const auto* h = std::get_if<model::HistogramValue>(&value)) {
    for (std::size_t i = 0; i < h->upper_bounds.size(); ++i) {
      AppendSample("_bucket", labels, "le", h->upper_bounds[i], h->bucket_counts[i]);
    }
    // OpenMetrics puts _count before _sum; 0.0.4 writers conventionally the reverse.
    if (om) AppendSample("_count", labels, {}, 0, h->count);
    AppendSample("_sum", labels, {}, 0, h->sum);
    if (!om) AppendSample("_count", labels, {}, 0, h->count);
  } else if (const auto* s = std::get_if<model::SummaryValue>(&value)) {
    for (const model::Quantile& q : s->quantiles) {
      AppendSample("", labels, "quantile", q.quantile, q.value);
    }
    if (om) AppendSample("_count", labels, {}, 0, s->count);
    AppendSample("_sum", labels, {}, 0, s->sum);
    if (!om) AppendSample("_count", labels, {}, 0, s->count);
  } else {
    AppendSample(suffix_, labels, {}, 0, std::get<model::ScalarValue>(value).value);
  }
}

void ExpositionWriter::AddFamily(const model::Family& family) {
  BeginFamily(family.name, family.type, family.help);
  for (const model::Series& series : family.series) AddSeries(series.labels, series.value);
}

void ExpositionWriter::Finish() {
  if (format_ == ScrapeFormat::kOpenMetrics) out_ += "# EOF\n";
}

namespace {

char* Put(std::string_view text, char* out) { return std::copy(text.begin(), text.end(), out); }

constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> table{};
  table['\\'] = table['"'] = table['\n'] = true;
  return table;
}();

// One test per byte, for the common value that needs no escaping at all.
char* PutEscapedLabelValue(std::string_view value, char* out) {
  for (char c : value) {
    if (!kNeedsEscape[static_cast<unsigned char>(c)]) [[likely]] {
      *out++ = c;
    } else {
      *out++ = '\\';
      *out++ = c == '\n' ? 'n' : c;
    }
  }
  return out;
}

}  // namespace

// Builds the line in a buffer and appends it once: a scrape writes millions of these.
void ExpositionWriter::AppendSample(std::string_view suffix,
                                    std::span<const model::LabelRef> labels,
                                    std::string_view extra_name, double extra_value, double value) {
  // An upper bound of the line's length (escaping at most doubles a value).
  std::size_t bound = name_.size() + suffix.size() + 4 + model::kMaxFloatChars;
  for (const model::LabelRef& l : labels) bound += l.name.size() + 2 * l.value.size() + 4;
  if (!extra_name.empty()) bound += extra_name.size() + 4 + model::kMaxFloatChars;
  char stack[1024];
  char* const line = bound <= sizeof stack ? stack : (scratch_.resize(bound), scratch_.data());
  char* p = Put(suffix, Put(name_, line));
  if (!labels.empty() || !extra_name.empty()) {
    *p++ = '{';
    bool first = true;
    for (const model::LabelRef& l : labels) {
      if (!first) *p++ = ',';
      first = false;
      p = Put(l.name, p);
      *p++ = '=';
      *p++ = '"';
      p = PutEscapedLabelValue(l.value, p);
      *p++ = '"';
    }
    if (!extra_name.empty()) {
      if (!first) *p++ = ',';
      p = Put(extra_name, p);
      *p++ = '=';
      *p++ = '"';
      p = model::WriteFloat(extra_value, p);
      *p++ = '"';
    }
    *p++ = '}';
  }
  *p++ = ' ';
  p = model::WriteFloat(value, p);
  *p++ = '\n';
  out_.append(line, p);
}

}  // namespace accumulator::expose
