#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "model/metric.h"
#include "store/journal.h"
#include "store/series_store.h"

namespace accumulator::persist {

// Log records and snapshots in their on-disk encoding (persist.proto, framed as in
// framing.h; docs/persistence.md). Decoding checks everything the store relies on, so
// a damaged file that happens to pass its checksums is refused, never applied.

std::string EncodePushRecord(std::string_view group, std::chrono::seconds ttl, TimePoint at,
                             const model::Push& push, const store::PushTag& tag);
std::string EncodeResetRecord(std::string_view group, TimePoint at);
std::string EncodeDeleteRecord(std::string_view group, TimePoint at,
                               const std::vector<store::SeriesRef>& series);
std::string EncodeDropRecord(std::string_view group, TimePoint at);

struct DecodedRecord {
  enum class Kind { kPush, kReset, kDelete, kDrop };
  Kind kind = Kind::kPush;
  std::string group;
  TimePoint at{};
  // kPush
  std::chrono::seconds ttl{0};
  model::Push push;
  std::string idempotency_key;
  store::RememberedAnswer answer;
  TimePoint idempotency_expires{};
  // kDelete
  std::vector<store::SeriesRef> deleted;

  store::PushTag Tag() const { return {idempotency_key, answer, idempotency_expires}; }
};

// kInvalidArgument names what is wrong.
Result<DecodedRecord> DecodeRecord(std::string_view payload);

// A whole snapshot file: magic, then framed entries (header, groups with their
// families, idempotency keys, footer).
inline constexpr std::string_view kSnapshotMagic = "MASNAP01";
std::string EncodeSnapshot(const store::StoreImage& image, std::uint64_t first_sequence_after,
                           TimePoint taken, std::string_view server_version);

struct DecodedSnapshot {
  std::uint64_t first_sequence_after = 0;
  TimePoint taken{};
  store::StoreImage image;
  std::size_t series = 0;
};

// kInvalidArgument if the file is damaged or incomplete.
Result<DecodedSnapshot> DecodeSnapshot(std::string_view file);

}  // namespace accumulator::persist
