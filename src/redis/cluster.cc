#include "redis/cluster.h"

#include <charconv>
#include <optional>
#include <utility>

namespace accumulator::redis {
namespace {

std::uint16_t Crc16(std::string_view bytes) {
  std::uint16_t crc = 0;
  for (const char c : bytes) {
    crc ^= static_cast<std::uint16_t>(static_cast<unsigned char>(c) << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) != 0 ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                                : static_cast<std::uint16_t>(crc << 1);
    }
  }
  return crc;
}

std::string NameOf(const std::string& host, std::uint16_t port) {
  return host + ":" + std::to_string(port);
}

// "MOVED 3999 127.0.0.1:6381" or "ASK 3999 127.0.0.1:6381".
struct Redirect {
  bool ask = false;
  std::string host;
  std::uint16_t port = 0;
};

std::optional<Redirect> RedirectOf(const Reply& reply) {
  if (!reply.IsError()) return std::nullopt;
  Redirect r;
  std::string_view text = reply.text;
  if (text.starts_with("ASK ")) {
    r.ask = true;
  } else if (!text.starts_with("MOVED ")) {
    return std::nullopt;
  }
  const std::size_t space = text.rfind(' ');
  const std::string_view address = text.substr(space + 1);
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  r.host = std::string(address.substr(0, colon));
  const std::string_view port = address.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), r.port);
  if (ec != std::errc() || end != port.data() + port.size()) return std::nullopt;
  return r;
}

}  // namespace

std::uint16_t KeySlot(std::string_view key) {
  if (const std::size_t open = key.find('{'); open != std::string_view::npos) {
    const std::size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return static_cast<std::uint16_t>(Crc16(key) % kClusterSlots);
}

ClusterClient::ClusterClient(Endpoint seed, ConnectOptions options)
    : seed_(std::move(seed)), options_(std::move(options)) {
  owner_.fill(-1);
}

Result<std::unique_ptr<ClusterClient>> ClusterClient::Open(const Endpoint& seed,
                                                           const ConnectOptions& options) {
  std::unique_ptr<ClusterClient> client(new ClusterClient(seed, options));
  if (Status s = client->RefreshSlots(options.timeout); !s.ok()) return s;
  return client;
}

Status ClusterClient::RefreshSlots(std::chrono::milliseconds timeout) {
  // Any node known so far can answer; the seed first.
  std::vector<Node> ask = {{seed_.host, seed_.port}};
  ask.insert(ask.end(), nodes_.begin(), nodes_.end());
  std::string errors;
  for (const Node& node : ask) {
    auto connection = ConnectionTo(node);
    if (!connection.ok()) {
      errors += (errors.empty() ? "" : "; ") + connection.status().message();
      continue;
    }
    auto slots = (*connection)->Run({"CLUSTER", "SLOTS"}, timeout);
    if (!slots.ok() || slots->type != Reply::Type::kArray) {
      connections_.erase(NameOf(node.host, node.port));
      errors += (errors.empty() ? "" : "; ") +
                (slots.ok() ? "CLUSTER SLOTS: " + slots->text : slots.status().message());
      continue;
    }
    std::vector<Node> nodes;
    std::array<int, kClusterSlots> owner{};
    owner.fill(-1);
    for (const Reply& range : slots->elements) {
      // [first slot, last slot, [master host, port, id], replicas...]
      if (range.elements.size() < 3 || range.elements[2].elements.size() < 2) continue;
      const std::int64_t first = range.elements[0].integer;
      const std::int64_t last = range.elements[1].integer;
      const Reply& master = range.elements[2];
      // An empty host means "the address you reached me at".
      Node n{master.elements[0].text.empty() ? node.host : master.elements[0].text,
             static_cast<std::uint16_t>(master.elements[1].integer)};
      int index = -1;
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].host == n.host && nodes[i].port == n.port) index = static_cast<int>(i);
      }
      if (index < 0) {
        index = static_cast<int>(nodes.size());
        nodes.push_back(n);
      }
      for (std::int64_t s = first; s <= last && s < static_cast<std::int64_t>(kClusterSlots); ++s) {
        if (s >= 0) owner[static_cast<std::size_t>(s)] = index;
      }
    }
    nodes_ = std::move(nodes);
    owner_ = owner;
    return Status::Ok();
  }
  return Status::Unavailable("no Redis Cluster node answered CLUSTER SLOTS: " + errors);
}

Result<Connection*> ClusterClient::ConnectionTo(const Node& node) {
  const std::string name = NameOf(node.host, node.port);
  auto it = connections_.find(name);
  if (it != connections_.end() && it->second->IsOpen()) return it->second.get();
  Endpoint endpoint = seed_;
  endpoint.host = node.host;
  endpoint.port = node.port;
  endpoint.db = 0;  // a cluster has only database 0
  auto connection = Connection::Open(endpoint, options_);
  if (!connection.ok()) return connection.status();
  Connection* raw = connection->get();
  connections_[name] = std::move(*connection);
  return raw;
}

Result<std::vector<Reply>> ClusterClient::Pipeline(std::string_view key,
                                                   std::span<const Command> commands,
                                                   std::chrono::milliseconds timeout) {
  const std::uint16_t slot = KeySlot(key);
  if (owner_[slot] < 0) {
    if (Status s = RefreshSlots(timeout); !s.ok()) return s;
    if (owner_[slot] < 0) {
      return Status::Unavailable("no Redis Cluster master serves slot " + std::to_string(slot));
    }
  }
  auto connection = ConnectionTo(nodes_[static_cast<std::size_t>(owner_[slot])]);
  if (!connection.ok()) {
    (void)RefreshSlots(timeout);  // the next call may find the slot elsewhere
    return connection.status();
  }
  auto replies = (*connection)->Pipeline(commands, timeout);
  if (!replies.ok()) return replies.status();

  // Redirected commands did not run: send them again, where Redis says, a few times.
  constexpr int kMaxRedirects = 5;
  for (int round = 0;; ++round) {
    bool moved = false;
    std::vector<std::size_t> redirected;
    std::optional<Redirect> target;
    for (std::size_t i = 0; i < replies->size(); ++i) {
      auto redirect = RedirectOf((*replies)[i]);
      if (!redirect) continue;
      // One node at a time: a slot has one owner, or one migration target.
      if (target && (target->host != redirect->host || target->port != redirect->port ||
                     target->ask != redirect->ask)) {
        continue;
      }
      target = redirect;
      moved = moved || !redirect->ask;
      redirected.push_back(i);
    }
    if (redirected.empty()) return replies;
    if (round == kMaxRedirects) {
      return Status::Unavailable("Redis Cluster redirected a command more than " +
                                 std::to_string(kMaxRedirects) + " times");
    }
    if (moved) {
      if (Status s = RefreshSlots(timeout); !s.ok()) return s;
    }
    auto next = ConnectionTo(Node{target->host, target->port});
    if (!next.ok()) return next.status();
    std::vector<Command> again;
    for (const std::size_t i : redirected) {
      if (target->ask) again.push_back({"ASKING"});  // valid for the next command only
      again.push_back(commands[i]);
    }
    auto answers = (*next)->Pipeline(again, timeout);
    if (!answers.ok()) return answers.status();
    const std::size_t stride = target->ask ? 2 : 1;
    for (std::size_t k = 0; k < redirected.size(); ++k) {
      (*replies)[redirected[k]] = std::move((*answers)[k * stride + stride - 1]);
    }
  }
}

}  // namespace accumulator::redis
