#include "config/cron.h"

#include <array>
#include <cctype>
#include <charconv>
#include <ctime>
#include <vector>

namespace accumulator::config {
namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const std::array<const char*, 13>* names;  // index = value; nullptr entries unused
};

constexpr std::array<const char*, 13> kMonthNames = {
    nullptr, "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 13> kDayNames = {"SUN",   "MON",   "TUE",   "WED",   "THU",
                                                   "FRI",   "SAT",   nullptr, nullptr, nullptr,
                                                   nullptr, nullptr, nullptr};

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

bool ParseNumber(std::string_view text, const FieldSpec& spec, int& out) {
  if (spec.names != nullptr && text.size() == 3) {
    for (int i = 0; i < 13; ++i) {
      const char* n = (*spec.names)[static_cast<std::size_t>(i)];
      if (n == nullptr) continue;
      bool same = true;
      for (std::size_t k = 0; k < 3; ++k) {
        same = same && std::toupper(static_cast<unsigned char>(text[k])) == n[k];
      }
      if (same) {
        out = i;
        return true;
      }
    }
  }
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

template <std::size_t N>
Status ParseField(std::string_view text, const FieldSpec& spec, bool is_day_of_week,
                  std::bitset<N>& bits) {
  const auto fail = [&](const std::string& why) {
    return Status::InvalidArgument(std::string(spec.name) + " field \"" + std::string(text) +
                                   "\": " + why);
  };
  for (std::string_view part : Split(text, ',')) {
    int step = 1;
    std::string_view range = part;
    if (const std::size_t slash = part.find('/'); slash != std::string_view::npos) {
      const std::string_view step_text = part.substr(slash + 1);
      const auto [p, ec] =
          std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (ec != std::errc() || p != step_text.data() + step_text.size() || step <= 0) {
        return fail("step must be a positive number");
      }
      range = part.substr(0, slash);
    }
    int low = spec.min;
    int high = spec.max;
    if (range == "*" || range == "?") {
      // whole range
    } else if (const std::size_t dash = range.find('-'); dash != std::string_view::npos) {
      if (!ParseNumber(range.substr(0, dash), spec, low) ||
          !ParseNumber(range.substr(dash + 1), spec, high)) {
        return fail("invalid range");
      }
    } else {
      if (!ParseNumber(range, spec, low)) {
        if (range == "L" || range.find('W') != std::string_view::npos ||
            range.find('#') != std::string_view::npos ||
            range.find('L') != std::string_view::npos) {
          return fail("the Quartz extensions L, W and # are not supported");
        }
        return fail("not a number");
      }
      // "a/n" runs from a to the end of the range; a lone "a" is just a.
      high = part.find('/') != std::string_view::npos ? spec.max : low;
    }
    if (low < spec.min || high > spec.max || low > high) {
      return fail("values must lie in " + std::to_string(spec.min) + "-" +
                  std::to_string(spec.max));
    }
    for (int v = low; v <= high; v += step) {
      // Day-of-week 7 is Sunday, as 0 is.
      const int bit = (is_day_of_week && v == 7) ? 0 : v;
      bits.set(static_cast<std::size_t>(bit));
    }
  }
  return Status::Ok();
}

std::string_view ExpandMacro(std::string_view expression) {
  if (expression == "@yearly" || expression == "@annually") return "0 0 0 1 1 *";
  if (expression == "@monthly") return "0 0 0 1 * *";
  if (expression == "@weekly") return "0 0 0 * * 0";
  if (expression == "@daily" || expression == "@midnight") return "0 0 0 * * *";
  if (expression == "@hourly") return "0 0 * * * *";
  return expression;
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view expression) {
  CronSchedule cron;
  cron.expression_ = std::string(expression);
  std::vector<std::string_view> fields;
  for (std::string_view f : Split(ExpandMacro(expression), ' ')) {
    if (!f.empty()) fields.push_back(f);
  }
  if (fields.size() != 6) {
    return Status::InvalidArgument(
        "cron expression must have 6 fields (second minute hour day-of-month month "
        "day-of-week), found " +
        std::to_string(fields.size()));
  }
  static const FieldSpec kSecond{"second", 0, 59, nullptr};
  static const FieldSpec kMinute{"minute", 0, 59, nullptr};
  static const FieldSpec kHour{"hour", 0, 23, nullptr};
  static const FieldSpec kDay{"day-of-month", 1, 31, nullptr};
  static const FieldSpec kMonth{"month", 1, 12, &kMonthNames};
  static const FieldSpec kWeekday{"day-of-week", 0, 7, &kDayNames};
  Status s = ParseField(fields[0], kSecond, false, cron.seconds_);
  if (s.ok()) s = ParseField(fields[1], kMinute, false, cron.minutes_);
  if (s.ok()) s = ParseField(fields[2], kHour, false, cron.hours_);
  if (s.ok()) s = ParseField(fields[3], kDay, false, cron.days_of_month_);
  if (s.ok()) s = ParseField(fields[4], kMonth, false, cron.months_);
  if (s.ok()) s = ParseField(fields[5], kWeekday, true, cron.days_of_week_);
  if (!s.ok()) return s;
  return cron;
}

std::optional<TimePoint> CronSchedule::NextAfter(TimePoint after) const {
  std::time_t t = std::chrono::system_clock::to_time_t(after) + 1;
  const std::time_t limit = t + std::time_t{5} * 366 * 24 * 3600;
  std::tm tm{};
  while (t < limit) {
    localtime_r(&t, &tm);
    const auto jump = [&](auto adjust) {
      adjust();
      tm.tm_isdst = -1;
      t = std::mktime(&tm);
    };
    if (!months_[static_cast<std::size_t>(tm.tm_mon) + 1]) {
      jump([&] {
        tm.tm_mon += 1;
        tm.tm_mday = 1;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
      });
      continue;
    }
    if (!days_of_month_[static_cast<std::size_t>(tm.tm_mday)] ||
        !days_of_week_[static_cast<std::size_t>(tm.tm_wday)]) {
      jump([&] {
        tm.tm_mday += 1;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
      });
      continue;
    }
    if (!hours_[static_cast<std::size_t>(tm.tm_hour)]) {
      jump([&] {
        tm.tm_hour += 1;
        tm.tm_min = tm.tm_sec = 0;
      });
      continue;
    }
    if (!minutes_[static_cast<std::size_t>(tm.tm_min)]) {
      jump([&] {
        tm.tm_min += 1;
        tm.tm_sec = 0;
      });
      continue;
    }
    if (!seconds_[static_cast<std::size_t>(tm.tm_sec)]) {
      t += 1;
      continue;
    }
    return std::chrono::system_clock::from_time_t(t);
  }
  return std::nullopt;
}

}  // namespace accumulator::config
