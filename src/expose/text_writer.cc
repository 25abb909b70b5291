#include "expose/text_writer.h"

#include <charconv>
#include <cmath>

#include "model/number.h"

namespace accumulator::expose {
namespace {

void AppendEscapedHelp(std::string_view help, std::string& out) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

std::string_view TextTypeName(model::MetricType type) {
  switch (type) {
    case model::MetricType::kInfo:
    case model::MetricType::kStateset:
      return "gauge";
    default:
      return model::TypeName(type);
  }
}

}  // namespace

void AppendSample(std::string_view name, std::string_view suffix, const model::Labels& labels,
                  std::string_view extra_name, double extra_value, double value, std::string& out) {
  out += name;
  out += suffix;
  if (!labels.empty() || !extra_name.empty()) {
    out += '{';
    bool first = true;
    for (const model::Label& l : labels) {
      if (!first) out += ',';
      first = false;
      out += l.name;
      out += "=\"";
      AppendEscapedLabelValue(l.value, out);
      out += '"';
    }
    if (!extra_name.empty()) {
      if (!first) out += ',';
      out += extra_name;
      out += "=\"";
      model::AppendFloat(extra_value, out);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  model::AppendFloat(value, out);
  out += '\n';
}

void AppendEscapedLabelValue(std::string_view value, std::string& out) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void WriteText(const std::vector<model::Family>& families, std::string& out) {
  for (const model::Family& family : families) {
    if (family.series.empty()) continue;
    if (!family.help.empty()) {
      out += "# HELP ";
      out += family.name;
      out += ' ';
      AppendEscapedHelp(family.help, out);
      out += '\n';
    }
    out += "# TYPE ";
    out += family.name;
    out += ' ';
    out += TextTypeName(family.type);
    out += '\n';
    for (const model::Series& series : family.series) {
      if (const auto* h = std::get_if<model::HistogramValue>(&series.value)) {
        for (std::size_t i = 0; i < h->upper_bounds.size(); ++i) {
          AppendSample(family.name, "_bucket", series.labels, "le", h->upper_bounds[i],
                       h->bucket_counts[i], out);
        }
        AppendSample(family.name, "_sum", series.labels, {}, 0, h->sum, out);
        AppendSample(family.name, "_count", series.labels, {}, 0, h->count, out);
      } else if (const auto* s = std::get_if<model::SummaryValue>(&series.value)) {
        for (const model::Quantile& q : s->quantiles) {
          AppendSample(family.name, "", series.labels, "quantile", q.quantile, q.value, out);
        }
        AppendSample(family.name, "_sum", series.labels, {}, 0, s->sum, out);
        AppendSample(family.name, "_count", series.labels, {}, 0, s->count, out);
      } else {
        AppendSample(family.name, "", series.labels, {}, 0,
                     std::get<model::ScalarValue>(series.value).value, out);
      }
    }
  }
}

}  // namespace accumulator::expose
