#pragma once

#include <string_view>

namespace accumulator::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// One line per event on stderr: time, level, message. Thread-safe.
void SetLevel(Level level);
bool ParseLevel(std::string_view text, Level& level);
void Write(Level level, std::string_view message);

inline void Debug(std::string_view m) { Write(Level::kDebug, m); }
inline void Info(std::string_view m) { Write(Level::kInfo, m); }
inline void Warn(std::string_view m) { Write(Level::kWarn, m); }
inline void Error(std::string_view m) { Write(Level::kError, m); }

}  // namespace accumulator::log
