#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "model/metric.h"
#include "store/idempotency.h"

namespace accumulator::store {

// Where a push came from, as far as a retry must be recognised after a restart: the
// request's Idempotency-Key (empty: none), the answer it got, and until when a retry
// with the same key is answered again instead of applied.
struct PushTag {
  std::string_view idempotency_key;
  RememberedAnswer answer;
  TimePoint expires{};
};

// A series removed by a delete: enough to remove the same one again on replay.
struct SeriesRef {
  std::string family;
  model::Labels labels;
};

// Receives every change the store makes, so it can be written down and replayed
// (persist/). The store calls it while holding the locks that order the change against
// every conflicting one, so the order of calls is an order in which replaying the
// changes gives the same state. It must therefore be quick and never wait for a disk
// flush: Record* returns a ticket, and the caller waits for WaitDurable(ticket) after
// the locks are released. A Record* error means nothing was written; the store then
// leaves the change unapplied.
class Journal {
 public:
  using Ticket = std::uint64_t;

  virtual ~Journal() = default;

  // `ttl` is the group's TTL when the push was applied: replay needs it to know which
  // stored series had already expired.
  virtual Result<Ticket> RecordPush(std::string_view group, std::chrono::seconds ttl, TimePoint at,
                                    const model::Push& push, const PushTag& tag) = 0;
  virtual Result<Ticket> RecordReset(std::string_view group, TimePoint at) = 0;
  virtual Result<Ticket> RecordDelete(std::string_view group, TimePoint at,
                                      const std::vector<SeriesRef>& series) = 0;
  // A reload dropped the group and its series.
  virtual Result<Ticket> RecordDrop(std::string_view group, TimePoint at) = 0;

  // Returns once the change with `ticket`, and every change before it, is as durable
  // as the configured fsync policy promises; kUnavailable if it cannot be made so.
  virtual Status WaitDurable(Ticket ticket) = 0;
  // WaitDurable without holding the caller's thread: calls `done` exactly once with
  // what WaitDurable would return, at once when that is known, else later from a
  // thread of the journal's. `done` must be quick and must not call the journal.
  // By value: implementations keep `done` until the journal reports.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  virtual void WhenDurable(Ticket ticket, std::function<void(Status)> done) {
    done(WaitDurable(ticket));
  }
};

}  // namespace accumulator::store
