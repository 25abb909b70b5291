#include "redis/sentinel.h"

#include <charconv>
#include <string>
#include <utility>

namespace accumulator::redis {

Result<DiscoveredMaster> DiscoverMaster(const std::vector<Endpoint>& sentinels,
                                        std::string_view master_name, const Endpoint& credentials,
                                        const ConnectOptions& options) {
  if (sentinels.empty()) return Status::FailedPrecondition("no Redis Sentinel is configured");
  std::string tried;
  const auto note = [&](const Endpoint& sentinel, const std::string& what) {
    tried += (tried.empty() ? "" : "; ") + sentinel.host + ":" + std::to_string(sentinel.port) +
             ": " + what;
  };
  for (const Endpoint& sentinel : sentinels) {
    auto asked = Connection::Open(sentinel, options);
    if (!asked.ok()) {
      note(sentinel, asked.status().message());
      continue;
    }
    auto reply = (*asked)->Run({"SENTINEL", "get-master-addr-by-name", std::string(master_name)},
                               options.timeout);
    if (!reply.ok()) {
      note(sentinel, reply.status().message());
      continue;
    }
    if (reply->type != Reply::Type::kArray || reply->elements.size() != 2) {
      note(sentinel, reply->IsError()
                         ? reply->text
                         : "does not know master \"" + std::string(master_name) + "\"");
      continue;
    }
    Endpoint master = credentials;
    master.host = reply->elements[0].text;
    const std::string& port = reply->elements[1].text;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), master.port);
    if (ec != std::errc() || end != port.data() + port.size()) {
      note(sentinel, "named port \"" + port + "\"");
      continue;
    }
    auto connection = Connection::Open(master, options);
    if (!connection.ok()) {
      note(sentinel,
           "its master " + master.host + ":" + port + ": " + connection.status().message());
      continue;
    }
    auto role = (*connection)->Run({"ROLE"}, options.timeout);
    if (!role.ok() || role->type != Reply::Type::kArray || role->elements.empty() ||
        role->elements[0].text != "master") {
      note(sentinel, "named " + master.host + ":" + port + ", which is not a master (yet)");
      continue;
    }
    return DiscoveredMaster{std::move(master), std::move(*connection)};
  }
  return Status::Unavailable("no Redis Sentinel named a reachable master \"" +
                             std::string(master_name) + "\": " + tried);
}

}  // namespace accumulator::redis
