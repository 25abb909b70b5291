#include "parse/grouping_key.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/percent_decode.h"
#include "model/bytes.h"
#include "model/names.h"

namespace accumulator::parse {

namespace {

constexpr std::string_view kBase64Suffix = "@base64";

Result<std::string> SegmentValue(std::string_view raw, bool base64, std::string_view name) {
  if (base64) {
    // A lone "=" is how the Pushgateway spells an empty value, since "//" collapses.
    auto decoded = DecodeBase64Url(raw == "=" ? std::string_view() : raw);
    if (!decoded) {
      return Status::InvalidArgument("invalid base64 encoding in value of label \"" +
                                     std::string(name) + "\"");
    }
    return *decoded;
  }
  auto decoded = PercentDecode(raw);
  if (!decoded) {
    return Status::InvalidArgument("invalid percent-encoding in value of label \"" +
                                   std::string(name) + "\"");
  }
  return *decoded;
}

}  // namespace

namespace {

std::optional<std::string> DecodeBase64With(std::string_view text, char c62, char c63) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == c62) v = 62;
    if (c == c63) v = 63;
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  // 6 leftover bits can never end a valid encoding; other leftovers must be zero.
  if (bits >= 6 || (buffer & ((1U << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::string> DecodeBase64Url(std::string_view text) {
  return DecodeBase64With(text, '-', '_');
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  return DecodeBase64With(text, '+', '/');
}

std::vector<std::string_view> SplitPathSegments(std::string_view path) {
  std::vector<std::string_view> segments;
  segments.reserve(static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) + 1);
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

Result<model::Labels> ParseGroupingKey(std::string_view path) {
  const std::vector<std::string_view> segments = SplitPathSegments(path);
  if (segments.empty() || (segments[0] != "job" && segments[0] != "job@base64")) {
    return Status::NotFound("push path must start with /metrics/job/<job>");
  }
  if (segments.size() < 2) return Status::InvalidArgument("job name is required");
  auto job = SegmentValue(segments[1], segments[0] == "job@base64", "job");
  if (!job.ok()) return job.status();
  if (job->empty()) return Status::InvalidArgument("job name is required");
  if ((segments.size() - 2) % 2 != 0) {
    return Status::InvalidArgument("odd number of components in label string \"" +
                                   std::string(path.substr(path.find('/') + 1)) + "\"");
  }
  model::Labels labels;
  for (std::size_t i = 2; i + 1 < segments.size(); i += 2) {
    std::string_view name = segments[i];
    const bool base64 = name.ends_with(kBase64Suffix);
    if (base64) name.remove_suffix(kBase64Suffix.size());
    if (!model::IsValidLabelName(name) || model::IsReservedLabelName(name)) {
      return Status::InvalidArgument("improper label name \"" + std::string(name) + "\"");
    }
    auto value = SegmentValue(segments[i + 1], base64, name);
    if (!value.ok()) return value.status();
    if (!model::IsValidUtf8(*value)) {
      return Status::InvalidArgument("value of label \"" + std::string(name) +
                                     "\" is not valid UTF-8");
    }
    model::SetLabel(labels, name, *value);  // the last occurrence wins, as in the Pushgateway
  }
  if (!model::IsValidUtf8(*job)) return Status::InvalidArgument("job name is not valid UTF-8");
  model::SetLabel(labels, "job", *job);  // the job segment beats a "job" pair in the tail
  return labels;
}

namespace {

// A label added to every series of a push.
struct Addition {
  std::string_view name;
  std::string_view value;
  bool overrides = true;  // false: set only where the series has no such label
};

// Merges `additions` (sorted by name) into the sorted `labels` in place: one pass to
// override values and count the new names, one pass from the back to move each old
// label at most once. Inserting label by label would shift the tail every time.
// Returns true if the series had a label of one of the additions' names.
bool MergeAdditions(const std::vector<Addition>& additions, model::Labels& labels) {
  bool had_one = false;
  const std::size_t old_size = labels.size();
  std::size_t added = 0;
  std::size_t i = 0;
  for (const Addition& a : additions) {
    while (i < old_size && model::CompareBytes(labels[i].name, a.name) < 0) ++i;
    if (i == old_size || !model::SameBytes(labels[i].name, a.name)) {
      ++added;
      continue;
    }
    had_one = true;
    if (a.overrides) labels[i].value.assign(a.value);
  }
  if (added == 0) return had_one;
  labels.resize(old_size + added);
  std::size_t read = old_size;
  std::size_t write = labels.size();
  // write - read is how many new names are still to place: at 0 the labels before are
  // in place, and moving one onto itself would empty it.
  for (std::size_t k = additions.size(); k-- > 0 && write != read;) {
    const Addition& a = additions[k];
    while (read > 0 && model::CompareBytes(labels[read - 1].name, a.name) > 0) {
      labels[--write] = std::move(labels[--read]);
    }
    if (read > 0 && model::SameBytes(labels[read - 1].name, a.name)) continue;  // handled above
    model::Label& slot = labels[--write];
    slot.name.assign(a.name);
    slot.value.assign(a.value);
  }
  return had_one;
}

}  // namespace

Status AddGroupingLabels(const model::Labels& grouping, model::Push& push) {
  // What every series gets, sorted by name: the grouping labels, which override, and
  // instance="", which only fills a gap.
  std::vector<Addition> additions;
  additions.reserve(grouping.size() + 1);
  for (const model::Label& l : grouping) additions.push_back({l.name, l.value});
  if (model::FindLabel(grouping, "instance") == nullptr)
    additions.push_back({"instance", "", false});
  std::sort(additions.begin(), additions.end(), [](const Addition& a, const Addition& b) {
    return model::CompareBytes(a.name, b.name) < 0;
  });

  std::vector<const model::Labels*> sorted;
  for (model::Family& family : push.families) {
    // Series of a family are distinct as parsed; adding the same labels to each keeps
    // them so. Only a series that had one of those names already can meet another.
    bool had_one = false;
    for (model::Series& series : family.series) {
      had_one = MergeAdditions(additions, series.labels) || had_one;
    }
    if (!had_one) continue;
    sorted.clear();
    sorted.reserve(family.series.size());
    for (const model::Series& series : family.series) sorted.push_back(&series.labels);
    // Sorted pointers find a repeat without copying every label set into a set.
    std::sort(sorted.begin(), sorted.end(),
              [](const auto* a, const auto* b) { return model::CompareLabels(*a, *b) < 0; });
    auto repeat =
        std::adjacent_find(sorted.begin(), sorted.end(),
                           [](const auto* a, const auto* b) { return model::SameLabels(*a, *b); });
    if (repeat != sorted.end()) {
      return Status::InvalidArgument(
          "series " + model::DescribeSeries(family.name, **repeat) +
          " appears twice once the grouping labels of the URL are applied");
    }
  }
  return Status::Ok();
}

}  // namespace accumulator::parse
