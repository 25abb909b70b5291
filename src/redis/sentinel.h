#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "redis/connection.h"
#include "redis/endpoint.h"

namespace accumulator::redis {

struct DiscoveredMaster {
  Endpoint endpoint;  // the master's address, with the credentials it was asked with
  std::unique_ptr<Connection> connection;
};

// Finds the current master of `master_name` through Redis Sentinel: asks each sentinel
// in turn (SENTINEL get-master-addr-by-name), connects to the address it names with
// `credentials` (user, password, database, TLS: the master's, as the URL gives them),
// and keeps it only if ROLE says it is a master: a sentinel may not know of a failover
// yet. kUnavailable, naming what each sentinel said, if none leads to a master.
Result<DiscoveredMaster> DiscoverMaster(const std::vector<Endpoint>& sentinels,
                                        std::string_view master_name, const Endpoint& credentials,
                                        const ConnectOptions& options = {});

}  // namespace accumulator::redis
