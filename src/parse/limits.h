#pragma once

#include <cstddef>

namespace accumulator::parse {

// Bounds on what one push may contain, so hostile input cannot make the parser or
// the store allocate without limit. The body size itself is bounded by the HTTP layer.
struct Limits {
  std::size_t max_labels_per_series = 64;
  std::size_t max_name_length = 256;  // metric and label names
  std::size_t max_label_value_length = 4096;
  std::size_t max_help_length = 8192;
  std::size_t max_buckets_per_histogram = 512;  // also quantiles per summary
};

}  // namespace accumulator::parse
