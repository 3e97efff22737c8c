#pragma once
// Presence: which users are online and on which gateway nodes. Built from the gateways'
// session.opened/closed events; answers presence.query; publishes presence.changed.<user>.
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "arena/bus/bus.hpp"
#include "arena/core/mutex.hpp"
#include "arena/runtime/strand.hpp"

namespace arena::sessions {

class PresenceService {
 public:
  // Checks for silent nodes every second on a strand of its own (see expire_silent_nodes). Node
  // liveness is real elapsed time (steady clock), not the game clock.
  explicit PresenceService(bus::Bus& bus);
  ~PresenceService();

  struct Where {
    std::string sid;
    std::string node;
  };
  std::vector<Where> lookup(const std::string& user_id) const;
  // Closes the sessions of every node not heard from for kNodeTimeout (a crashed gateway):
  // publishes session.closed for each, as the node would have, and presence.changed.
  using Steady = std::chrono::steady_clock;
  void expire_silent_nodes(Steady::time_point now);

 private:
  void opened(const bus::Message& m);
  void closed(const bus::Message& m);
  void query(const bus::Message& m);
  void heartbeat(const bus::Message& m);

  bus::Bus& bus_;
  mutable core::Mutex mu_;
  std::unordered_map<std::string, std::vector<Where>> users_ ARENA_GUARDED_BY(mu_);
  std::unordered_map<std::string, Steady::time_point> nodes_ ARENA_GUARDED_BY(mu_);  // node -> last heard from
  std::vector<std::unique_ptr<bus::Subscription>> subs_;
  runtime::Strand checker_{"presence-check"};
};

}  // namespace arena::sessions
