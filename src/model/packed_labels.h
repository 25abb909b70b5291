#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "model/labels.h"

namespace accumulator::model {

// A canonical label set in one allocation: a varint count, then varint-length-prefixed
// name and value bytes. The store keeps one per series, so a series with three short
// labels costs one 48-byte block instead of a vector of six strings (about 200 bytes).
// Orders exactly as the Labels it was packed from (by name, then value, then size).
class PackedLabels {
 public:
  PackedLabels() = default;
  explicit PackedLabels(const Labels& labels);
  PackedLabels(const PackedLabels& other);
  PackedLabels& operator=(const PackedLabels& other);
  PackedLabels(PackedLabels&&) noexcept = default;
  PackedLabels& operator=(PackedLabels&&) noexcept = default;
  ~PackedLabels() = default;

  Labels Unpack() const;
  // Replaces the contents of `out` with views into this set (valid while it lives).
  void Refs(std::vector<LabelRef>& out) const;
  std::size_t size() const;
  // Asks the CPU to fetch the bytes, for loops that will read them soon.
  void Prefetch() const { __builtin_prefetch(bytes_.get()); }
  bool empty() const { return size() == 0; }

  // <0, 0, >0 as in strcmp, in the order of Labels' operator<.
  int Compare(const PackedLabels& other) const;
  int Compare(const Labels& other) const;
  // Compare(other) == 0, faster: a push finds most of its series by equality.
  bool Equals(const Labels& other) const;

 private:
  std::size_t ByteSize() const;

  std::unique_ptr<unsigned char[]> bytes_;  // null for the empty set
};

// Views of `labels`, for code that accepts both kinds of label set.
void RefsOf(const Labels& labels, std::vector<LabelRef>& out);

}  // namespace accumulator::model
