#pragma once
// Presence: which users are online and on which gateway nodes. Built from the gateways'
// session.opened/closed events; answers presence.query; publishes presence.changed.<user>.
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "arena/bus/bus.hpp"
#include "arena/core/clock.hpp"
#include "arena/core/mutex.hpp"
#include "arena/runtime/strand.hpp"
#include "arena/runtime/timers.hpp"

namespace arena::sessions {

class PresenceService {
 public:
  // Checks for silent nodes every second (a timer of `timers`, on a strand of its own): the
  // sessions of every node not heard from for kNodeTimeout of clock.monotonic() (a crashed
  // gateway) are closed for it, with session.closed as the node would have published, and
  // presence.changed.
  PresenceService(bus::Bus& bus, const core::Clock& clock, runtime::Timers& timers);
  ~PresenceService();

  struct Where {
    std::string sid;
    std::string node;
  };
  std::vector<Where> lookup(const std::string& user_id) const;

 private:
  using Steady = core::Steady;
  void expire_silent_nodes();
  void opened(const bus::Message& m);
  void closed(const bus::Message& m);
  void query(const bus::Message& m);
  void heartbeat(const bus::Message& m);

  bus::Bus& bus_;
  const core::Clock& clock_;
  mutable core::Mutex mu_;
  std::unordered_map<std::string, std::vector<Where>> users_ ARENA_GUARDED_BY(mu_);
  std::unordered_map<std::string, Steady::time_point> nodes_ ARENA_GUARDED_BY(mu_);  // node -> last heard from
  std::vector<std::unique_ptr<bus::Subscription>> subs_;
  runtime::Strand checker_{"presence-check"};
  std::unique_ptr<runtime::Timers::Timer> check_timer_;  // destroyed before checker_
};

}  // namespace arena::sessions
