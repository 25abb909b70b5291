#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace accumulator::redis {

// One RESP2 reply, owned (hiredis' reply objects are freed as soon as they are read).
struct Reply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };
  Type type = Type::kNil;
  std::int64_t integer = 0;
  std::string text;  // kString (binary-safe), kStatus, kError
  std::vector<Reply> elements;

  bool IsError() const { return type == Type::kError; }
  bool operator==(const Reply&) const = default;
};

}  // namespace accumulator::redis
