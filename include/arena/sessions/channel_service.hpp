#pragma once
// Channel membership across gateways: who is in which named room. Answers channels.join /
// leave / members; tells members channel.joined / channel.left through the router; drops a
// session from its channels when session.closed arrives.
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "arena/bus/bus.hpp"
#include "arena/core/mutex.hpp"
#include "arena/router/router.hpp"
#include "arena/sessions/settings.hpp"

namespace arena::sessions {

class ChannelService {
 public:
  ChannelService(bus::Bus& bus, router::Router& router, ChannelSettings limits);
  ~ChannelService();

  std::vector<std::string> members(const std::string& channel) const;

 private:
  void join(const bus::Message& m);
  void leave(const bus::Message& m);
  void list(const bus::Message& m);
  void session_closed(const bus::Message& m);
  // Removes `sid` of `user` from `channel`; returns true when the user has no session left there.
  bool remove_locked(const std::string& channel, const std::string& user, const std::string& sid) ARENA_REQUIRES(mu_);

  bus::Bus& bus_;
  router::Router& router_;
  ChannelSettings limits_;
  mutable core::Mutex mu_;
  // channel -> user -> sids
  std::unordered_map<std::string, std::map<std::string, std::set<std::string>>> channels_ ARENA_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::set<std::string>> session_channels_ ARENA_GUARDED_BY(mu_);  // sid -> channels
  // Sessions recently closed (bounded, oldest forgotten first): a join that the bus delivers
  // after its session's session.closed (another subscription, another queue) is refused rather
  // than leaving a member nobody removes.
  static constexpr std::size_t kClosedRemembered = 65'536;
  std::unordered_set<std::string> closed_ ARENA_GUARDED_BY(mu_);
  std::deque<std::string> closed_order_ ARENA_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<bus::Subscription>> subs_;
};

}  // namespace arena::sessions
