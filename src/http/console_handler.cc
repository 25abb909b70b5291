#include "http/console_handler.h"

#include <algorithm>
#include <charconv>
#include <numeric>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "http/auth.h"
#include "http/json.h"
#include "http/query.h"
#include "model/number.h"
#include "parse/selector.h"

namespace accumulator::http {
namespace {

// Scripts only from this server, styles only inline, requests only back to it: a label
// value that escaped its escaping still could not run.
constexpr std::string_view kSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.3em .7em;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3}pre{background:#f7f7f7;"
    "padding:1em;overflow:auto}code{font-size:.95em}.num{text-align:right}"
    "form{margin:.5em 0}input[type=text]{width:40em}.full{color:#b00;font-weight:bold}"
    ".refused td{background:#fff6f6}output{display:block;margin:.3em 0;font-weight:bold}";

Response Page(int status, std::string_view title, const std::string& body, bool with_script) {
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>";
  html += EscapeHtml(title);
  html += "</title><style>";
  html += kStyle;
  html += "</style>";
  if (with_script) html += "<script src=\"/console/console.js\" defer></script>";
  html += "</head><body>\n";
  html += body;
  html += "</body></html>\n";
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(html);
  r.headers.emplace_back("Content-Security-Policy", std::string(kSecurityPolicy));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

std::string FormatTime(TimePoint t) {
  if (t.time_since_epoch().count() == 0) return "never";
  return FormatUtc(t, "%Y-%m-%d %H:%M:%S UTC");
}

std::string FormatTtl(std::chrono::seconds ttl) {
  if (ttl.count() == 0) return "never";
  const long long s = ttl.count();
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

std::string Number(double v) {
  std::string out;
  model::AppendFloat(v, out);
  return out;
}

// The push rate as a small bar chart, drawn inline (no image, no script).
std::string RateChart(const std::vector<std::uint32_t>& slots) {
  const std::uint32_t peak =
      std::max<std::uint32_t>(1, slots.empty() ? 1 : *std::max_element(slots.begin(), slots.end()));
  constexpr int kHeight = 24;
  const std::size_t width = slots.size() * 2;
  std::string svg = "<svg width=\"" + std::to_string(width) + "\" height=\"" +
                    std::to_string(kHeight) + "\" role=\"img\" aria-label=\"accepted pushes\">";
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i] == 0) continue;
    const auto h = std::max<std::uint32_t>(1, slots[i] * kHeight / peak);
    svg += "<rect x=\"" + std::to_string(i * 2) + "\" y=\"" + std::to_string(kHeight - h) +
           "\" width=\"2\" height=\"" + std::to_string(h) + "\" fill=\"#3a7\"/>";
  }
  svg += "</svg>";
  return svg;
}

std::string Describe(const model::Value& value) {
  if (const auto* s = std::get_if<model::ScalarValue>(&value)) return Number(s->value);
  if (const auto* h = std::get_if<model::HistogramValue>(&value)) {
    return "count " + Number(h->count) + ", sum " + Number(h->sum) + ", " +
           std::to_string(h->upper_bounds.size()) + " buckets";
  }
  const auto& s = std::get<model::SummaryValue>(value);
  return "count " + Number(s.count) + ", sum " + Number(s.sum) + ", " +
         std::to_string(s.quantiles.size()) + " quantiles";
}

std::string SeriesText(std::string_view family, const model::Labels& labels) {
  std::string out = EscapeHtml(family);
  out += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += EscapeHtml(labels[i].name);
    out += "=\"";
    out += EscapeHtml(labels[i].value);
    out += '"';
  }
  out += '}';
  return out;
}

std::string GroupLink(std::string_view group) {
  return "<a href=\"/console/groups/" + EscapeHtml(QueryEscape(group)) + "\">" + EscapeHtml(group) +
         "</a>";
}

// Deep enough for a hundred million series; the walk to a page is as long as its number.
constexpr std::size_t kMaxPage = 1'000'000;

struct Row {
  std::string family;
  model::MetricType type = model::MetricType::kUntyped;
  model::Labels labels;
  std::string value;
};

}  // namespace

Response ConsoleHandler::Overview() const {
  const auto config = config_.Get();
  const TimePoint now = clock_.Now();
  std::string b = "<h1>metrics-accumulator</h1>\n<p>Version ";
  b += EscapeHtml(options_.version);
  b += " &middot; started ";
  b += FormatTime(options_.start_time);
  b += " &middot; ";
  b += ready_ ? "ready" : "starting";
  b += " &middot; <a href=\"/metrics\">/metrics</a> &middot; "
       "<a href=\"/service-discovery\">/service-discovery</a></p>\n"
       "<h2>Metric groups</h2>\n<table id=\"groups\"><tr><th>group</th><th>series / "
       "maxTimeSeries</th><th>seriesTtl</th><th>reset schedule</th><th>last push</th>"
       "<th>accepted pushes, last 10 min</th><th>API key</th><th>on /metrics</th></tr>\n";
  for (const config::GroupConfig& group : config->groups) {
    auto stats = store_.Stats(group.name);
    const std::vector<std::uint32_t> rate = push_log_.Rate(group.name, now);
    const auto pushes = std::accumulate(rate.begin(), rate.end(), std::uint64_t{0});
    const bool full = stats.ok() && stats->series >= group.max_time_series;
    b += "<tr><td>" + GroupLink(group.name) + "</td><td class=\"num" +
         std::string(full ? " full" : "") + "\">";
    b += stats.ok() ? std::to_string(stats->series) : "-";
    b += " / " + std::to_string(group.max_time_series) + "</td><td>" + FormatTtl(group.series_ttl) +
         "</td><td>";
    b += group.restart_cron ? EscapeHtml(group.restart_cron->expression()) : "none";
    b += "</td><td>";
    b += stats.ok() ? FormatTime(stats->last_push) : "-";
    b += "</td><td>" + RateChart(rate) + " " + std::to_string(pushes) + "</td><td>";
    b += group.api_key ? "required" : "none";
    b += "</td><td>";
    b += group.display_metrics ? "yes" : "no";
    b += "</td></tr>\n";
  }
  b += "</table>\n";

  const std::vector<PushLog::Refusal> refusals = push_log_.Refusals();
  b += "<h2>Last refused pushes</h2>\n";
  if (refusals.empty()) {
    b += "<p id=\"refusals\">No push was refused since the server started.</p>\n";
  } else {
    b += "<p>The last " + std::to_string(PushLog::kMaxRefusals) +
         " at most, newest first: what the client was answered.</p>\n"
         "<table id=\"refusals\"><tr><th>time</th><th>group</th><th>status</th><th>reason</th>"
         "<th>error</th></tr>\n";
    for (const PushLog::Refusal& r : refusals) {
      b += "<tr class=\"refused\"><td>" + FormatTime(r.at) + "</td><td>" +
           (r.group.empty() ? std::string("(none)") : EscapeHtml(r.group)) + "</td><td>" +
           std::to_string(r.http_status) + "</td><td>" + EscapeHtml(r.reason) + "</td><td><code>" +
           EscapeHtml(r.message) + "</code></td></tr>\n";
    }
    b += "</table>\n";
  }

  b += "<h2>Configuration</h2>\n<p>";
  b += EscapeHtml(config->source_path.empty() ? "(embedded default)" : config->source_path);
  b += " (API keys redacted)</p>\n<pre>";
  b += EscapeHtml(config->RedactedText());
  b += "</pre>\n";
  return Page(200, "metrics-accumulator", b, false);
}

Response ConsoleHandler::Group(const Request& request, std::string_view group_name) const {
  const auto config = config_.Get();
  const config::GroupConfig* group = config->FindGroup(group_name);
  if (group == nullptr) {
    return Page(404, "unknown group",
                "<p>There is no metric group \"" + EscapeHtml(group_name) +
                    "\". <a href=\"/\">All groups</a></p>\n",
                false);
  }
  // Series values are what the readApiKey guards: the browser asks for it as basic
  // auth (the key as the password), which works without JavaScript.
  if (!MayRead(request, *group, *config)) {
    Response r = Page(401, "key needed",
                      "<p>Browsing metric group \"" + EscapeHtml(group->name) +
                          "\" needs its readApiKey (or its apiKey) as the password. "
                          "<a href=\"/\">All groups</a></p>\n",
                      false);
    r.headers.emplace_back("WWW-Authenticate",
                           "Basic realm=\"metric group " + group->name + "\", charset=\"UTF-8\"");
    return r;
  }
  std::string match;
  std::size_t page = 0;
  std::string problem;
  if (auto query = ParseQuery(request.query)) {
    for (const auto& [name, value] : *query) {
      if (name == "match") match = value;
      if (name == "page") {
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), page);
        if (ec != std::errc() || end != value.data() + value.size() || page > kMaxPage) {
          problem = "page must be a number from 0 to " + std::to_string(kMaxPage);
        }
      }
    }
  } else {
    problem = "malformed query string";
  }
  std::optional<model::Selector> selector;
  if (problem.empty() && !match.empty()) {
    auto parsed = parse::ParseSelector(match);
    if (parsed.ok()) {
      selector = std::move(*parsed);
    } else {
      problem = "match: " + parsed.status().message();
    }
  }

  // The page's rows, found by walking the group's series in bounded store steps and
  // skipping the matches of the pages before (so a deep page costs a longer walk).
  std::vector<Row> rows;
  bool more = false;
  if (problem.empty()) {
    auto families = store_.Families(group->name);
    std::size_t skip = page * kPageSize;
    if (!families.ok()) families = std::vector<store::FamilyInfo>{};
    for (const store::FamilyInfo& family : *families) {
      store::VisitCursor cursor;
      while (!cursor.done && !more) {
        store_.VisitFamilyStep(
            group->name, family.name, family.type,
            [&](std::span<const model::LabelRef> refs, const model::Value& value) {
              if (more) return;
              model::Labels labels;
              labels.reserve(refs.size());
              for (const model::LabelRef& l : refs) {
                labels.push_back({std::string(l.name), std::string(l.value)});
              }
              if (selector && !selector->Matches(family.name, labels)) return;
              if (skip > 0) {
                --skip;
                return;
              }
              if (rows.size() == kPageSize) {
                more = true;
                return;
              }
              rows.push_back({family.name, family.type, std::move(labels), Describe(value)});
            },
            cursor, 1000);
      }
      if (more) break;
    }
  }

  auto stats = store_.Stats(group->name);
  std::string b = "<p><a href=\"/\">All groups</a></p>\n<h1>Metric group " +
                  EscapeHtml(group->name) + "</h1>\n<p>";
  b += stats.ok() ? std::to_string(stats->series) : "-";
  b += " of " + std::to_string(group->max_time_series) + " series &middot; seriesTtl " +
       FormatTtl(group->series_ttl) + " &middot; last push " +
       (stats.ok() ? FormatTime(stats->last_push) : "-") + "</p>\n";
  b += "<form method=\"get\" id=\"filter\"><label>PromQL selector <input type=\"text\" "
       "name=\"match\" value=\"" +
       EscapeHtml(match) +
       "\" placeholder='e.g. {job=\"lambda\"} or requests_total{code=~\"5..\"}'></label> "
       "<button type=\"submit\">Filter</button></form>\n";
  const std::string base =
      "/console/groups/" + QueryEscape(group->name) + "?match=" + QueryEscape(match) + "&page=";
  if (!problem.empty()) {
    b += "<p id=\"problem\" class=\"full\">" + EscapeHtml(problem) + "</p>\n";
  } else {
    b += "<p id=\"showing\">";
    if (rows.empty()) {
      b += page == 0 ? "No series match." : "No more series match.";
    } else {
      b += "Series " + std::to_string(page * kPageSize + 1) + " to " +
           std::to_string(page * kPageSize + rows.size()) + (match.empty() ? "" : " that match");
    }
    b += "</p>\n<table id=\"series\"><tr><th>series</th><th>type</th><th>value</th></tr>\n";
    for (const Row& row : rows) {
      b += "<tr><td><code>" + SeriesText(row.family, row.labels) + "</code></td><td>" +
           std::string(model::TypeName(row.type)) + "</td><td class=\"num\">" +
           EscapeHtml(row.value) + "</td></tr>\n";
    }
    b += "</table>\n<p>";
    if (page > 0) {
      b += "<a id=\"previous\" href=\"" + EscapeHtml(base + std::to_string(page - 1)) +
           "\">previous page</a> ";
    }
    if (more) {
      b += "<a id=\"next\" href=\"" + EscapeHtml(base + std::to_string(page + 1)) +
           "\">next page</a>";
    }
    b += "</p>\n";
  }

  // The actions ask for a key and send it as a header; without JavaScript the forms
  // do nothing (method "dialog"), and the key field has no name, so it can never end
  // up in a URL.
  b += "<h2>Actions</h2>\n";
  if (!match.empty() && problem.empty()) {
    b += "<form method=\"dialog\" id=\"delete\" data-group=\"" + EscapeHtml(group->name) +
         "\" data-match=\"" + EscapeHtml(match) +
         "\"><label>Group API key <input type=\"password\" autocomplete=\"off\"></label> "
         "<button type=\"submit\">Delete the series that match " +
         EscapeHtml(match) + "</button><output></output></form>\n";
  } else {
    b += "<p>Filter with a selector to delete the series it matches.</p>\n";
  }
  b += "<form method=\"dialog\" id=\"reset\" data-group=\"" + EscapeHtml(group->name) +
       "\"><label>Admin API key <input type=\"password\" autocomplete=\"off\"></label> "
       "<button type=\"submit\">Reset the whole group</button><output></output></form>\n";
  return Page(problem.empty() ? 200 : 400, "metrics-accumulator: " + group->name, b, true);
}

Response ConsoleHandler::Script() {
  // Sends an action with the key as a header, shows the answer, forgets the key.
  static constexpr std::string_view kScript = R"js("use strict";
function wire(id, request) {
  const form = document.getElementById(id);
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = form.querySelector("input[type=password]");
    const out = form.querySelector("output");
    const headers = key.value ? { "X-API-KEY": key.value } : {};
    key.value = "";
    try {
      const [method, url] = request(form.dataset);
      const response = await fetch(url, { method, headers });
      const text = await response.text();
      out.textContent = response.status + " " + text;
      if (response.ok) setTimeout(() => location.reload(), 800);
    } catch (e) {
      out.textContent = "failed: " + e;
    }
  });
}
wire("delete", (d) => ["DELETE", "/api/v1/series?group=" + encodeURIComponent(d.group) +
  "&match[]=" + encodeURIComponent(d.match)]);
wire("reset", (d) => ["PUT", "/reset-metric-group/" + encodeURIComponent(d.group)]);
)js";
  Response r;
  r.content_type = "text/javascript; charset=utf-8";
  r.body = std::string(kScript);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace accumulator::http
