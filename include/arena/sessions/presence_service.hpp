#pragma once
// Presence: which users are online and on which gateway nodes. Built from the gateways'
// session.opened/closed events into the Directory (memory, or Redis shared by every sessions
// process: each event is taken by one of them, queue group "sessions"); answers presence.query;
// publishes presence.changed.<user>.
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "arena/bus/bus.hpp"
#include "arena/core/clock.hpp"
#include "arena/core/mutex.hpp"
#include "arena/runtime/strand.hpp"
#include "arena/runtime/timers.hpp"
#include "arena/sessions/backlog.hpp"
#include "arena/sessions/directory.hpp"

namespace arena::sessions {

class PresenceService {
 public:
  // Every second (a timer of `timers`, on a strand of its own): events that waited for the
  // directory are tried again; a directory that lost what it held (Redis restarted empty) has the
  // gateways announce their sessions again (presence.resync); a node this process has not heard
  // from for kNodeTimeout of clock.monotonic() (a crashed gateway) is claimed in the directory,
  // and the claimer (one sessions process) closes its sessions with session.closed as the node
  // would have published, and presence.changed.
  PresenceService(bus::Bus& bus, const core::Clock& clock, runtime::Timers& timers, Directory& directory,
                  Backlog& backlog);
  ~PresenceService();

  std::vector<Where> lookup(const std::string& user_id) const { return directory_.lookup(user_id); }

 private:
  void check();
  void opened(const bus::Message& m);
  void closed(const bus::Message& m);
  void query(const bus::Message& m);
  void heartbeat(const bus::Message& m);

  using Steady = core::Steady;
  bus::Bus& bus_;
  const core::Clock& clock_;
  core::Mutex mu_;
  std::unordered_map<std::string, Steady::time_point> nodes_ ARENA_GUARDED_BY(mu_);  // node -> last heard from
  Directory& directory_;
  Backlog& backlog_;
  std::vector<std::unique_ptr<bus::Subscription>> subs_;
  runtime::Strand checker_{"presence-check"};
  std::unique_ptr<runtime::Timers::Timer> check_timer_;  // destroyed before checker_
};

}  // namespace arena::sessions
